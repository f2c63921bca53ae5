extension SVD {
    /// All singular values and the leading `rank` singular triplets of the
    /// row-major m×n `matrix`, from the Gram matrix (see ``PartialSVD``).
    ///
    /// Calls BLAS `dsyrk` for G = AᵀA (m ≥ n) or AAᵀ (m < n), k×k with
    /// k = min(m, n), LAPACK `dsyevd` for its eigenpairs, and one `dgemm` for
    /// the other side's vectors: about m·n·k + m·n·r·2 flops, against gesdd's
    /// ~4·m·n·k + 8·k³ with vectors, and a k×k workspace instead of an m×k one.
    /// Single-threaded BLAS calls give results that do not depend on the thread count.
    ///
    /// Use it when the energies and the best rank-r approximation matter (LoRA
    /// extraction); use ``decompose(_:)`` when small singular values must be
    /// resolved to relative accuracy.
    ///
    /// - Parameter rank: triplets to keep, clamped to 0…min(m, n).
    /// - Throws: ``LinearAlgebraError/Code/nonFinite`` for NaN or infinity;
    ///   ``LinearAlgebraError/Code/notConverged`` when `dsyevd` fails.
    public static func leading(_ matrix: Matrix<Double>, rank: Int) throws(LinearAlgebraError) -> PartialSVD {
        try leading(matrix) { _ in rank }
    }

    /// ``leading(_:rank:)`` with the rank chosen from the singular values:
    /// `rank` receives all min(m, n) of them (descending) before any vector is
    /// formed, so an energy threshold costs no second decomposition.
    public static func leading(
        _ matrix: Matrix<Double>, rank: ([Double]) -> Int
    ) throws(LinearAlgebraError) -> PartialSVD {
        let (m, n) = (matrix.rows, matrix.cols)
        let k = min(m, n)
        if k == 0 {
            _ = rank([])
            return PartialSVD(singularValues: [], u: Matrix(rows: m, cols: 0), vt: Matrix(rows: 0, cols: n),
                              leadingSingularValues: [], frobeniusNormSquared: 0)
        }
        if !matrix.storage.withUnsafeBufferPointer(Double._allFinite) { throw .nonFinite(routine: "dsyevd", shape: [m, n]) }
        let tall = m >= n
        // Row-major A is column-major X = Aᵀ (n×m, leading dimension n).
        // AᵀA = X·Xᵀ; AAᵀ = Xᵀ·X.
        var gram = [Double](repeating: 0, count: k * k)
        var eigenvalues = [Double](repeating: 0, count: k)
        let info = matrix.storage.withUnsafeBufferPointer { pa in
            gram.withUnsafeMutableBufferPointer { pg in
                Double._syrkUpper(trans: !tall, n: k, k: tall ? m : n, alpha: 1, a: pa.baseAddress!, lda: n,
                                  beta: 0, c: pg.baseAddress!, ldc: k)
                return eigenvalues.withUnsafeMutableBufferPointer { pw in
                    Double._syevdUpper(jobz: UInt8(ascii: "V"), n: k, a: pg.baseAddress!, lda: k, w: pw.baseAddress!)
                }
            }
        }
        if info > 0 { throw .notConverged(routine: "dsyevd", info: info, shape: [m, n]) }
        let σ = eigenvalues.reversed().map { max($0, 0).squareRoot() }
        let trace = eigenvalues.reduce(0) { $0 + max($1, 0) }
        let r = max(0, min(rank(σ), k))
        // The top-r eigenvectors as the rows of an r×k matrix (column k−1−t of the column-major result).
        var top = Matrix<Double>(rows: r, cols: k)
        for t in 0..<r {
            let column = (k - 1 - t) * k
            for p in 0..<k { top.storage[t * k + p] = gram[column + p] }
        }
        // The other side, scaled by σ: A·V_r (m×r) when tall, U_rᵀ·A (r×n) when wide.
        var other = tall ? try GEMM.multiply(matrix, top, transposeB: true) : try GEMM.multiply(top, matrix)
        var norms = [Double](repeating: 0, count: r)
        if tall {
            for i in 0..<m { for t in 0..<r { norms[t] += other.storage[i * r + t] * other.storage[i * r + t] } }
            norms = norms.map { $0.squareRoot() }
            for i in 0..<m { for t in 0..<r where norms[t] > 0 { other.storage[i * r + t] /= norms[t] } }
            return PartialSVD(singularValues: σ, u: other, vt: top, leadingSingularValues: norms,
                              frobeniusNormSquared: trace)
        }
        for t in 0..<r {
            var s = 0.0
            for j in 0..<n { s += other.storage[t * n + j] * other.storage[t * n + j] }
            norms[t] = s.squareRoot()
            if norms[t] > 0 { for j in 0..<n { other.storage[t * n + j] /= norms[t] } }
        }
        return PartialSVD(singularValues: σ, u: top.transposed(), vt: other, leadingSingularValues: norms,
                          frobeniusNormSquared: trace)
    }
}
