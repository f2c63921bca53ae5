import Dispatch
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

    /// `C ← α · op(A) · op(B) + β · C` on row-major buffers the caller owns:
    /// the allocation-free form the training kernels use.
    ///
    /// Shapes: `op(A)` is m×k, `op(B)` is k×n, `C` is m×n; `lda`, `ldb`,
    /// `ldc` are row strides (elements between consecutive rows of the
    /// stored matrices, ≥ their column counts). With `β = 0`, `C` need not
    /// be initialised.
    ///
    /// Reproducibility: the rows of `C` are cut into blocks whose size
    /// depends on m alone (a multiple of 64), and each block is one BLAS call;
    /// the blocks run on up to `threads` threads. OpenBLAS's own threading
    /// splits the product differently for each thread count, and its edge
    /// kernels round differently from its main kernel, so results changed
    /// with the thread count; with fixed blocks they do not. Call
    /// ``BLASThreads/set(_:)`` with 1 before using `threads > 1`, so that the
    /// blocks do not each start BLAS threads.
    public static func multiply<S: LinearAlgebraScalar>(
        m: Int, n: Int, k: Int, alpha: S = 1,
        _ a: UnsafePointer<S>, lda: Int, transposeA: Bool = false,
        _ b: UnsafePointer<S>, ldb: Int, transposeB: Bool = false,
        beta: S = 0, into c: UnsafeMutablePointer<S>, ldc: Int, threads: Int = 1
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM: negative dimension m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let block = max(64, (m + 7) / 8 + 63) / 64 * 64
        let blocks = (m + block - 1) / block
        // Row block [r0, r1) of C uses rows r0..<r1 of op(A): in A's storage
        // those are rows (no transpose) or columns (transpose).
        func run(_ i: Int) {
            let r0 = i * block, rows = min(block, m - r0)
            let aBlock = transposeA ? a + r0 : a + r0 * lda
            // Row-major C (rows×n) is column-major Cᵀ: Cᵀ = op(B)ᵀ · op(A)ᵀ.
            S._gemm(transA: transposeB, transB: transposeA, m: n, n: rows, k: k, alpha: alpha,
                    a: b, lda: ldb, b: aBlock, ldb: lda, beta: beta, c: c + r0 * ldc, ldc: ldc)
        }
        if threads <= 1 || blocks == 1 {
            for i in 0..<blocks { run(i) }
        } else {
            // The blocks write disjoint rows of C; A and B are only read.
            nonisolated(unsafe) let body = run
            let workers = min(threads, blocks)
            HotWorkers.run(parts: workers) { w in
                var i = w
                while i < blocks { body(i); i += workers }
            }
        }
    }
}
