// The singular values of a tall matrix from its R factor, by a tall-skinny QR
// (TSQR; Demmel, Grigori, Hoemmen & Langou 2012). σ(A) = σ(R) for A = Q·R with
// Q orthonormal, and Householder QR is backward stable, so the values carry
// the same absolute error (a small multiple of ε·‖A‖₂) as `?gesdd`'s, which
// itself starts a tall matrix with a QR factorisation.
//
// Why not let `?gesdd` do it: its QR is `?geqrf`, whose panels are BLAS-2
// sweeps down the whole m-row column block (memory-bound for m ≫ n).
// `?geqrt` on row blocks of a few thousand rows keeps a panel in cache, and
// the blocks are independent, so they run in parallel. On the 30522 × 384
// MiniLM embedding update (Zen 4, one core, a shared machine at load ~8)
// `?gesdd` took 0.95 s and this path 0.60 s (8 blocks: 0.55 s of block QRs,
// 0.05 s of combination and the 384 × 384 SVD); on a 1536 × 384 update (one
// block) 0.103 s against 0.082 s.
//
// Reproducibility: the row blocks depend on the shape alone, each block's QR
// is one single-threaded LAPACK call, and the block R factors are combined in
// a fixed binary tree on the calling thread, so the values are bit-identical
// whichever thread runs which block, and however many there are.

extension SVD {
    /// Whether ``tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)`` is the
    /// faster way to the values of a column-major `rows × cols` matrix: true
    /// when rows ≥ 2 · cols.
    public static func prefersTallPath(rows: Int, cols: Int) -> Bool {
        cols >= 1 && rows >= 2 * cols
    }

    /// The number of row blocks ``tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``
    /// factors separately: min(8, rows / (4 · cols)), at least 1. It depends on
    /// the shape alone, never on the thread count.
    public static func tallRowBlocks(rows: Int, cols: Int) -> Int {
        guard cols >= 1 else { return 1 }
        return max(1, min(8, rows / (4 * cols)))
    }

    /// Runs `part(0)`, `part(1)`, … `part(count - 1)` in order on the calling
    /// thread: the default runner of ``tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``.
    public static func serialParts(_ count: Int, _ part: @escaping @Sendable (Int) -> Void) {
        for i in 0..<count { part(i) }
    }

    /// The singular values, in descending order, of the tall **column-major**
    /// `rows × cols` matrix in `buffer` (rows ≥ cols), computed as those of
    /// its triangular factor R. `buffer` is overwritten by the factorisation.
    ///
    /// The rows are cut into ``tallRowBlocks(rows:cols:)`` blocks of ⌊rows/P⌋
    /// or ⌈rows/P⌉ rows; each block is factored by `?geqrt` (block size 32)
    /// as one part of `runParts`, which must call every part exactly once,
    /// in any order and on any threads, and return when all have returned.
    /// The block R factors are merged pairwise by `?tpqrt` in a fixed tree and
    /// the last one's values are computed by `?gesdd` (`JOBZ = 'N'`). OpenBLAS
    /// is held at one thread during the call (parts running on several threads
    /// would otherwise each start BLAS threads), so the result does not depend
    /// on how `runParts` spreads the parts.
    ///
    /// Accuracy: as `?gesdd`'s, an absolute error of a small multiple of
    /// ε·σ₁ on every value (so a value far below ε·σ₁ is noise, and an exact
    /// zero comes out as a tiny positive number, as with `?gesdd`).
    ///
    /// `checkingFinite: false` skips the NaN pass, as in
    /// ``singularValues(destroying:rows:cols:order:checkingFinite:)``.
    ///
    /// - Throws: ``LinearAlgebraError/Code/nonFinite`` (routine `?geqrt`) for
    ///   NaN or infinity, before any LAPACK call (unless `checkingFinite` is false);
    ///   ``LinearAlgebraError/Code/notConverged`` when `?gesdd` fails on R.
    /// - Precondition: rows ≥ cols ≥ 0 and `buffer.count ≥ rows * cols`.
    public static func tallSingularValues<S: LinearAlgebraScalar>(
        destroying buffer: UnsafeMutableBufferPointer<S>, rows m: Int, cols n: Int,
        runParts: (_ count: Int, _ part: @escaping @Sendable (Int) -> Void) -> Void = serialParts,
        checkingFinite: Bool = true
    ) throws(LinearAlgebraError) -> [S] {
        precondition(m >= n && n >= 0 && buffer.count >= m * n,
                     "SVD.tallSingularValues: needs rows ≥ cols and \(m)×\(n) elements, got \(buffer.count)")
        if n == 0 { return [] }
        if checkingFinite && !S._allFinite(UnsafeBufferPointer(rebasing: buffer[0..<(m * n)])) {
            throw .nonFinite(routine: "\(S._lapackPrefix)geqrt", shape: [m, n])
        }
        let blocks = tallRowBlocks(rows: m, cols: n)
        let nb = min(32, n)
        // Block p's n × n R factor, column-major, zero below the diagonal.
        let stack = UnsafeMutableBufferPointer<S>.allocate(capacity: blocks * n * n)
        stack.initialize(repeating: 0)
        defer { stack.deallocate() }
        nonisolated(unsafe) let a = buffer.baseAddress!
        nonisolated(unsafe) let r = stack.baseAddress!
        return try withSingleThreadedBLAS { () throws(LinearAlgebraError) -> [S] in
            runParts(blocks) { p in
                let r0 = p * m / blocks, rows = (p + 1) * m / blocks - r0   // ≥ 4n rows each
                let t = UnsafeMutablePointer<S>.allocate(capacity: nb * n)
                defer { t.deallocate() }
                _ = S._geqrt(m: rows, n: n, nb: nb, a: a + r0, lda: m, t: t, ldt: nb)
                let rp = r + p * n * n
                for j in 0..<n { for i in 0...j { rp[i + j * n] = a[r0 + i + j * m] } }
            }
            let t = UnsafeMutablePointer<S>.allocate(capacity: nb * n)
            defer { t.deallocate() }
            var step = 1
            while step < blocks {
                for p in stride(from: 0, to: blocks - step, by: 2 * step) {
                    // [R_p; R_{p+step}] = Q·R', R' into R_p's upper triangle.
                    _ = S._tpqrt(m: n, n: n, l: n, nb: nb, a: r + p * n * n, lda: n,
                                 b: r + (p + step) * n * n, ldb: n, t: t, ldt: nb)
                }
                step *= 2
            }
            for j in 0..<n { for i in (j + 1)..<max(j + 1, n) { r[i + j * n] = 0 } }
            var s = [S](repeating: 0, count: n)
            let info = s.withUnsafeMutableBufferPointer { ps in
                S._gesdd(jobz: UInt8(ascii: "N"), m: n, n: n, a: r, lda: n, s: ps.baseAddress!,
                         u: nil, ldu: 1, vt: nil, ldvt: 1)
            }
            if info > 0 { throw .notConverged(routine: "\(S._lapackPrefix)gesdd", info: info, shape: [m, n]) }
            return s
        }
    }
}
