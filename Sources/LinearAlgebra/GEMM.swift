/// General matrix–matrix products through BLAS `?gemm`, on row-major
/// ``Matrix`` values.
public enum GEMM {
    /// Returns `α · op(A) · op(B)`, where `op(X)` is `X` or `Xᵀ`.
    ///
    /// Shapes: `op(A)` is m×k, `op(B)` is k×n, the result m×n (row-major).
    /// Calls `sgemm`/`dgemm` (column-major) on the row-major operands by
    /// computing `Cᵀ = op(B)ᵀ · op(A)ᵀ`, so no operand is copied. NaN and
    /// infinity propagate as in IEEE arithmetic (BLAS may skip a term whose
    /// coefficient is exactly zero).
    ///
    /// - Throws: ``LinearAlgebraError/Code/dimensionMismatch`` when the inner
    ///   dimensions differ.
    public static func multiply<S: LinearAlgebraScalar>(
        _ a: Matrix<S>, _ b: Matrix<S>,
        transposeA: Bool = false, transposeB: Bool = false, alpha: S = 1
    ) throws(LinearAlgebraError) -> Matrix<S> {
        let (m, ka) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
        let (kb, n) = transposeB ? (b.cols, b.rows) : (b.rows, b.cols)
        guard ka == kb else {
            throw .dimensionMismatch(routine: "\(S._lapackPrefix)gemm", shape: [m, ka, kb, n])
        }
        var c = Matrix<S>(rows: m, cols: n)
        if m == 0 || n == 0 { return c }
        if ka == 0 { return c }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    // Row-major X (r×c) is column-major Xᵀ with leading dimension c.
                    S._gemm(
                        transA: transposeB, transB: transposeA, m: n, n: m, k: ka, alpha: alpha,
                        a: pb.baseAddress!, lda: b.cols, b: pa.baseAddress!, ldb: a.cols,
                        beta: 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}
