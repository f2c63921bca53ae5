/// Thin QR factorisations through LAPACK's Householder routines `?geqrf`
/// and `?orgqr`.
public enum QR {
    /// Factors the row-major m×n `matrix` as `Q · R` with k = min(m, n):
    /// `q` is m×k with orthonormal columns, `r` is k×n upper-triangular
    /// (upper-trapezoidal when m < n). Diagonal signs of `r` are LAPACK's
    /// (not normalised to be positive).
    ///
    /// The row-major input is copied into column-major order for LAPACK.
    ///
    /// - Throws: ``LinearAlgebraError/Code/nonFinite`` for NaN or infinity.
    public static func decompose<S: LinearAlgebraScalar>(
        _ matrix: Matrix<S>
    ) throws(LinearAlgebraError) -> (q: Matrix<S>, r: Matrix<S>) {
        let (m, n) = (matrix.rows, matrix.cols)
        let k = min(m, n)
        if k == 0 { return (Matrix(rows: m, cols: 0), Matrix(rows: 0, cols: n)) }
        if !matrix.storage.withUnsafeBufferPointer(S._allFinite) {
            throw .nonFinite(routine: "\(S._lapackPrefix)geqrf", shape: [m, n])
        }
        // Column-major copy: element (i, j) at i + j*m.
        var a = [S](repeating: 0, count: m * n)
        matrix.storage.withUnsafeBufferPointer { src in
            a.withUnsafeMutableBufferPointer { tiledTranspose(src.baseAddress!, rows: m, cols: n, into: $0.baseAddress!) }
        }
        var tau = [S](repeating: 0, count: k)
        _ = a.withUnsafeMutableBufferPointer { pa in
            tau.withUnsafeMutableBufferPointer { pt in
                S._geqrf(m: m, n: n, a: pa.baseAddress!, lda: m, tau: pt.baseAddress!)
            }
        }
        var r = Matrix<S>(rows: k, cols: n)
        for i in 0..<k { for j in i..<n { r.storage[i * n + j] = a[i + j * m] } }
        _ = a.withUnsafeMutableBufferPointer { pa in
            tau.withUnsafeBufferPointer { pt in
                S._orgqr(m: m, n: k, k: k, a: pa.baseAddress!, lda: m, tau: pt.baseAddress!)
            }
        }
        var q = Matrix<S>(rows: m, cols: k)
        // Column-major m × k (leading dimension m) is row-major k × m: transpose it back.
        a.withUnsafeBufferPointer { src in
            q.storage.withUnsafeMutableBufferPointer { tiledTranspose(src.baseAddress!, rows: k, cols: m, into: $0.baseAddress!) }
        }
        return (q, r)
    }
}
