// The singular values of a tall matrix from its R factor, by a tall-skinny QR
// (TSQR; Demmel, Grigori, Hoemmen & Langou 2012). σ(A) = σ(R) for A = Q·R with
// Q orthonormal, and Householder QR is backward stable, so the values carry
// the same absolute error (a small multiple of ε·‖A‖₂) as `?gesdd`'s, which
// itself starts a tall matrix with a QR factorisation.
//
// Why not let `?gesdd` do it: its QR is `?geqrf`, whose panels are BLAS-2
// sweeps down the whole m-row column block (memory-bound for m ≫ n).
// Row blocks keep a panel in cache, and the blocks are independent, so they
// run in parallel. On the 30522 × 384 MiniLM embedding update (Zen 4, one
// core, a shared machine at load ~8) `?gesdd` took 0.95 s and the row-block
// path 0.60 s; on a 1536 × 384 update 0.103 s against 0.082 s.
//
// Each of the P row blocks ("parts") is itself taken in panels of
// `tallPanelRows(cols:)` rows (1024 for 384 columns, 3 MiB of Float64): `?geqrt`
// factors the first, and `?tpqrt` (with L = 0) folds each next panel into the
// part's running R, at the 2·b·n² flops of factoring the panel alone. A part
// therefore touches its rows one cache-sized panel at a time, which is what
// lets ``SVD/tallSingularValues(rows:cols:runParts:filling:)`` form the
// matrix panel by panel and never hold the whole of it (measured on the
// 30522 × 384 embedding, Zen 3, one core: 8 parts of 3815 rows by `?geqrt`
// 0.33–0.37 s, panels of 1024 rows folded by `?tpqrt` 0.32 s).
//
// Reproducibility: the parts and panels depend on the shape alone, each is
// factored by single-threaded LAPACK calls in a fixed order, and the part R
// factors are combined in a fixed binary tree on the calling thread, so the
// values are bit-identical whichever thread runs which part, and however
// many there are.

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

    /// The rows of the panels a part of ``tallSingularValues(rows:cols:runParts:filling:)``
    /// is factored in (the last panel of a part may be shorter):
    /// max(cols, ⌊393 216 / cols⌋), so a panel of Float64 is about 3 MiB, and
    /// never fewer rows than columns. It depends on the shape alone.
    public static func tallPanelRows(cols: Int) -> Int {
        max(cols, 393_216 / max(1, cols))
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
    /// The rows are cut into ``tallRowBlocks(rows:cols:)`` parts of ⌊rows/P⌋
    /// or ⌈rows/P⌉ rows, each factored in panels of ``tallPanelRows(cols:)``
    /// rows (`?geqrt` for the first, `?tpqrt` folding in each next one, block
    /// size 32) as one part of `runParts`, which must call every part exactly
    /// once, in any order and on any threads, and return when all have returned.
    /// The part R factors are merged pairwise by `?tpqrt` in a fixed tree and
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
    @_specialize(where S == Float)
    @_specialize(where S == Double)
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
        nonisolated(unsafe) let a = buffer.baseAddress!
        do {
            return try tallCore(rows: m, cols: n, runParts: runParts) { _, rows in (a + rows.lowerBound, m) }
        } catch let error as LinearAlgebraError {
            throw error
        } catch {
            preconditionFailure("SVD.tallSingularValues: unexpected \(error)")
        }
    }

    /// The singular values, in descending order, of a tall `rows × cols`
    /// matrix (rows ≥ cols) that is never held whole: `fill(part, rows, block)`
    /// writes the given rows of it into `block`, **column-major with leading
    /// dimension `rows.count`** (`block.count == rows.count · cols`; element
    /// (i, j) of the matrix, i in `rows`, at `block[(i − rows.lowerBound) +
    /// j · rows.count]`). It is called once per panel of
    /// ``tallPanelRows(cols:)`` rows, for the panels of a part in ascending
    /// order, from the thread running that part (`part` is its index in
    /// 0..<``tallRowBlocks(rows:cols:)``); parts may run concurrently.
    ///
    /// The factorisation is that of
    /// ``tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``
    /// (same parts, panels and tree, so the same bits for the same matrix),
    /// with one panel buffer per running part instead of the whole matrix:
    /// for the 30522 × 384 embedding update, 3 MiB per part instead of 94 MB.
    /// `fill` must write every element of `block` and check the values it
    /// writes (no NaN pass is made here).
    ///
    /// - Throws: the error `fill` threw in the lowest-numbered part that threw
    ///   (a part stops at its first error; the others run to their end), or
    ///   ``LinearAlgebraError/Code/notConverged`` when `?gesdd` fails on R.
    /// - Precondition: rows ≥ cols ≥ 0.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func tallSingularValues<S: LinearAlgebraScalar>(
        rows m: Int, cols n: Int,
        runParts: (_ count: Int, _ part: @escaping @Sendable (Int) -> Void) -> Void = serialParts,
        filling fill: @escaping @Sendable (_ part: Int, _ rows: Range<Int>, _ block: UnsafeMutableBufferPointer<S>) throws -> Void
    ) throws -> [S] {
        precondition(m >= n && n >= 0, "SVD.tallSingularValues: needs rows ≥ cols, got \(m)×\(n)")
        if n == 0 { return [] }
        // A panel has fewer than tallPanelRows + n rows (see tallCore).
        let capacity = min(tallPanelRows(cols: n) + n, m) * n
        // One panel buffer per part, allocated when the part starts and freed when it ends.
        let scratch = PanelBuffers<S>(count: tallRowBlocks(rows: m, cols: n))
        return try tallCore(rows: m, cols: n, runParts: runParts, finishPart: { scratch.release($0) }) { p, rows in
            let block = scratch.buffer(p, capacity: capacity)
            let view = UnsafeMutableBufferPointer(start: block, count: rows.count * n)
            try fill(p, rows, view)
            return (block, rows.count)
        }
    }

    /// The TSQR of ``tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``:
    /// `panel(p, rows)` returns where panel `rows` of part `p` lies
    /// (its first element and leading dimension); the first error a part's
    /// panel threw (lowest part first) is rethrown after all parts ran.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func tallCore<S: LinearAlgebraScalar>(
        rows m: Int, cols n: Int,
        runParts: (_ count: Int, _ part: @escaping @Sendable (Int) -> Void) -> Void,
        finishPart: @escaping @Sendable (Int) -> Void = { _ in },
        panel: @escaping @Sendable (_ part: Int, _ rows: Range<Int>) throws -> (UnsafeMutablePointer<S>, Int)
    ) throws -> [S] {
        let blocks = tallRowBlocks(rows: m, cols: n)
        let panelRows = tallPanelRows(cols: n)
        let nb = min(32, n)
        // Part p's n × n R factor, column-major, zero below the diagonal.
        let stack = UnsafeMutableBufferPointer<S>.allocate(capacity: blocks * n * n)
        stack.initialize(repeating: 0)
        defer { stack.deallocate() }
        nonisolated(unsafe) let r = stack.baseAddress!
        let failures = PartFailures(count: blocks)
        return try withSingleThreadedBLAS { () throws -> [S] in
            runParts(blocks) { p in
                defer { finishPart(p) }
                let r0 = p * m / blocks, r1 = (p + 1) * m / blocks   // ≥ n rows each
                let t = UnsafeMutablePointer<S>.allocate(capacity: nb * n)
                defer { t.deallocate() }
                let rp = r + p * n * n
                var start = r0
                while start < r1 {
                    // Panels of panelRows rows, the last one taking the rest when fewer than
                    // panelRows + n remain: every panel has ≥ n rows (a part has ≥ n), so R is
                    // complete after the first, and no panel has panelRows + n rows or more.
                    let end = r1 - start < panelRows + n ? r1 : start + panelRows
                    let located: (UnsafeMutablePointer<S>, Int)
                    do { located = try panel(p, start..<end) } catch {
                        failures.record(error, part: p)
                        return
                    }
                    let (a, ld) = located
                    if start == r0 {
                        _ = S._geqrt(m: end - start, n: n, nb: nb, a: a, lda: ld, t: t, ldt: nb)
                        for j in 0..<n { for i in 0...j { rp[i + j * n] = a[i + j * ld] } }
                    } else {
                        _ = S._tpqrt(m: end - start, n: n, l: 0, nb: nb, a: rp, lda: n, b: a, ldb: ld, t: t, ldt: nb)
                    }
                    start = end
                }
            }
            if let error = failures.first { throw error }
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
            if info > 0 { throw LinearAlgebraError.notConverged(routine: "\(S._lapackPrefix)gesdd", info: info, shape: [m, n]) }
            return s
        }
    }
}
