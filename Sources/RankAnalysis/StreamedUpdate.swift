import CheckpointIO
import LinearAlgebra

/// ΔW = tuned − base of one matrix pair used as an operator, read from the
/// (memory-mapped) checkpoints in blocks of whole rows every time it is
/// applied, so that ΔW itself is never formed: memory holds one block
/// (``SketchOptions/streamingBlockBytes``) instead of rows × cols values. The randomized SVD
/// needs only products with ΔW and ΔWᵀ, so a 32000 × 4096 embedding (1 GB as
/// Float64) costs a few tens of MB.
///
/// Each block is decoded exactly to Float64 on both sides and subtracted, as
/// ``TensorPair/computeUpdate(into:order:)`` does, then rounded to the
/// product's scalar type (`Float` or `Double`), and its mapped pages are
/// released after use. Products run block by block in a fixed order, each
/// block's GEMM split into fixed row blocks over `threads`
/// (``LinearAlgebra/GEMM``), so results do not depend on `threads`.
struct StreamedUpdate {
    /// The pair whose ΔW this applies.
    let pair: TensorPair
    /// Rows per block.
    let blockRows: Int

    /// Whether an m × n update is streamed rather than formed: its matrix in
    /// `options.precision` would exceed ``SketchOptions/streamingThreshold``.
    static func streams(rows m: Int, cols n: Int, options: SketchOptions) -> Bool {
        m * n * options.precision.byteWidth > options.streamingThreshold
    }

    /// Blocks of about `blockBytes` Float64 bytes (at least one row).
    init(_ pair: TensorPair, blockBytes: Int) {
        self.pair = pair
        blockRows = max(1, min(pair.rows, blockBytes / (8 * max(1, pair.cols))))
    }

    /// The one pass over ΔW that everything here is made of: row block after
    /// row block, tuned − base is decoded in Float64 a cache-sized chunk at a
    /// time (``CheckpointIO/TensorDescriptor/decodeDifference(minus:elements:chunkElements:_:)``),
    /// rounded to `S` into `target(firstRow)` (rowCount × cols, row-major),
    /// added to `squares` when given, the block's mapped pages are released, and
    /// `body` sees the block. Returns what decoding learned.
    private func pass<S: LinearAlgebraScalar>(
        into target: (_ firstRow: Int) -> UnsafeMutablePointer<S>, squares: UnsafeMutablePointer<SquareSum>?,
        _ body: (_ firstRow: Int, _ rowCount: Int, _ block: UnsafeBufferPointer<S>) throws -> Void
    ) throws -> TensorPair.UpdateStatistics {
        let n = pair.cols
        var stats = TensorPair.UpdateStatistics(baseSumSquares: 0, sumSquaredULPBase: 0, sumSquaredULPTuned: 0)
        var r0 = 0
        while r0 < pair.rows {
            let count = min(blockRows, pair.rows - r0)
            let range = (r0 * n)..<((r0 + count) * n)
            let out = target(r0)
            let (b, t) = try pair.tuned.decodeDifference(minus: pair.base, elements: range) { first, values in
                let o = out + (first - range.lowerBound)
                for k in 0..<values.count { o[k] = S(values[k]) }
                squares?.pointee.add(values, first: first)
            }
            stats.baseSumSquares += b.sumSquares
            stats.sumSquaredULPBase += b.sumSquaredULP
            stats.sumSquaredULPTuned += t.sumSquaredULP
            pair.base.releaseResidentPages(elements: range)
            pair.tuned.releaseResidentPages(elements: range)
            try body(r0, count, UnsafeBufferPointer(start: out, count: count * n))
            r0 += count
        }
        return stats
    }

    /// Calls `body(firstRow, rowCount, block)` for consecutive row blocks of ΔW
    /// (`block` row-major rowCount × cols, rounded to `S`), and returns what decoding learned.
    @discardableResult
    func forEachBlock<S: LinearAlgebraScalar>(
        as _: S.Type, _ body: (_ firstRow: Int, _ rowCount: Int, _ block: UnsafeBufferPointer<S>) throws -> Void
    ) throws -> TensorPair.UpdateStatistics {
        var block = [S](repeating: 0, count: blockRows * pair.cols)
        return try block.withUnsafeMutableBufferPointer { buffer in
            try pass(into: { _ in buffer.baseAddress! }, squares: nil, body)
        }
    }

    /// One pass: ‖ΔW‖²_F (``SquareSum``, Float64) and the decoding statistics.
    func statistics() throws -> (sumOfSquares: Double, stats: TensorPair.UpdateStatistics) {
        var block = [Double](repeating: 0, count: blockRows * pair.cols)
        var total = SquareSum()
        let stats = try block.withUnsafeMutableBufferPointer { buffer in
            try pass(into: { _ in buffer.baseAddress! }, squares: &total) { _, _, _ in }
        }
        return (total.value, stats)
    }

    /// Forms ΔW row-major in `buffer`, rounded to `S`, and returns ‖ΔW‖²_F
    /// (of the Float64 difference) and the decoding statistics, as
    /// ``statistics()`` gives them: one pass, with no Float64 copy of the matrix.
    ///
    /// - Precondition: `buffer.count ≥ rows * cols`.
    func form<S: LinearAlgebraScalar>(
        into buffer: UnsafeMutableBufferPointer<S>
    ) throws -> (sumOfSquares: Double, stats: TensorPair.UpdateStatistics) {
        precondition(buffer.count >= pair.rows * pair.cols, "StreamedUpdate.form: buffer too small for '\(pair.name)'")
        var total = SquareSum()
        let stats = try pass(into: { buffer.baseAddress! + $0 * pair.cols }, squares: &total) { _, _, _ in }
        return (total.value, stats)
    }

    /// ΔW·X (X cols × ℓ → rows × ℓ) or, `transposed`, ΔWᵀ·X (X rows × ℓ → cols × ℓ),
    /// all row-major, in `S`; the transposed product accumulates block by block in row order.
    func product<S: LinearAlgebraScalar>(_ x: Matrix<S>, transposed: Bool, threads: Int) throws -> Matrix<S> {
        let (m, n, l) = (pair.rows, pair.cols, x.cols)
        var c = Matrix<S>(rows: transposed ? n : m, cols: l)
        guard l > 0 else { return c }
        _ = try x.storage.withUnsafeBufferPointer { px in
            try c.storage.withUnsafeMutableBufferPointer { pc in
                try forEachBlock(as: S.self) { r0, count, block in
                    if transposed {
                        // C (n×ℓ) += blockᵀ (n×count) · X[r0..<r0+count] (count×ℓ)
                        GEMM.multiply(m: n, n: l, k: count, block.baseAddress!, lda: n, transposeA: true,
                                      px.baseAddress! + r0 * l, ldb: l, beta: r0 == 0 ? 0 : 1,
                                      into: pc.baseAddress!, ldc: l, threads: threads)
                    } else {
                        // C[r0..<r0+count] (count×ℓ) = block (count×n) · X (n×ℓ)
                        GEMM.multiply(m: count, n: l, k: n, block.baseAddress!, lda: n,
                                      px.baseAddress!, ldb: l, into: pc.baseAddress! + r0 * l, ldc: l, threads: threads)
                    }
                }
            }
        }
        return c
    }
}
