#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Dispatch
import LinearAlgebra
import Synchronization

/// The dense Gaussian projection of Li et al. (2018): entries N(0, 1), each
/// column scaled to unit Euclidean norm over all D rows.
///
/// Entry (i, j) is normal number `j·D + i` of the stream `(seed, dense,
/// group)` divided by ‖column j‖ (`RandomStreams.md`), so any block of rows
/// of any column is regenerated from its counters alone.
///
/// Memory: P is never held beyond `memoryBudget` bytes. When all of P (D·d
/// values of the working precision) fits, it is generated once and kept;
/// otherwise each call regenerates it in blocks of rows that fit the budget. The column norms (d values) are
/// computed once, at construction, by one pass over P.
///
/// Determinism: blocks are multiples of ``chunkRows`` rows and Pᵀ·g is
/// accumulated chunk by chunk in row order, so results are bit-identical
/// for every memory budget and thread count.
public final class DenseProjection: Projection, @unchecked Sendable {
    public let descriptor: ProjectionDescriptor
    public var fullDimension: Int { descriptor.fullDimension }
    public var subspaceDimension: Int { descriptor.subspaceDimension }
    /// The memory cap, in bytes.
    public let memoryBudget: Int
    /// The canonical row chunk of the transpose's accumulation.
    public static let chunkRows = 1024
    /// 1 / ‖column j‖.
    private let inverseNorms: [Double]
    private let stream: RandomStream
    private let cacheF = Mutex<[Float]?>(nil)
    private let cacheD = Mutex<[Double]?>(nil)

    /// Builds P's column norms.
    ///
    /// - Precondition: `descriptor.validate()` passes (d may exceed D for a per-tensor block).
    public init(_ descriptor: ProjectionDescriptor, memoryBudget: Int) {
        precondition((try? descriptor.validateShape()) != nil, "DenseProjection: invalid descriptor \(descriptor)")
        self.descriptor = descriptor
        self.memoryBudget = memoryBudget
        let stream = RandomStream(seed: descriptor.seed, kind: .dense, group: descriptor.group)
        self.stream = stream
        let (D, d) = (descriptor.fullDimension, descriptor.subspaceDimension)
        var norms = [Double](repeating: 0, count: d)
        norms.withUnsafeMutableBufferPointer { pn in
            nonisolated(unsafe) let out = pn
            DispatchQueue.concurrentPerform(iterations: d) { j in
                var buffer = [Double](repeating: 0, count: min(D, 1 << 15))
                var sum = 0.0
                var r = 0
                while r < D {
                    let n = min(buffer.count, D - r)
                    buffer.withUnsafeMutableBufferPointer {
                        stream.fillNormals(from: j * D + r, into: UnsafeMutableBufferPointer(rebasing: $0[0..<n]))
                    }
                    for k in 0..<n { sum += buffer[k] * buffer[k] }
                    r += n
                }
                out[j] = sum > 0 ? 1 / sum.squareRoot() : 0
            }
        }
        inverseNorms = norms
    }

    /// Rows per regenerated block: a multiple of ``chunkRows`` whose block
    /// (rows × d values of `bytes` each) fits the budget, at least one chunk.
    private func blockRows(elementBytes: Int) -> Int {
        let fit = memoryBudget / max(1, subspaceDimension * elementBytes)
        let rows = max(Self.chunkRows, fit / Self.chunkRows * Self.chunkRows)
        return min(rows, (fullDimension + Self.chunkRows - 1) / Self.chunkRows * Self.chunkRows)
    }

    /// Writes rows `r0 ..< r0 + rows` of P, column-major (`rows × d`), into `m`.
    private func generate<S: ProjectionScalar>(rows r0: Int, count rows: Int, into m: UnsafeMutableBufferPointer<S>) {
        let (D, d) = (fullDimension, subspaceDimension)
        let stream = self.stream, inv = inverseNorms
        nonisolated(unsafe) let out = m
        DispatchQueue.concurrentPerform(iterations: d) { j in
            var buffer = [Double](repeating: 0, count: rows)
            buffer.withUnsafeMutableBufferPointer { stream.fillNormals(from: j * D + r0, into: $0) }
            let s = inv[j]
            for i in 0..<rows { out[j * rows + i] = S(buffer[i] * s) }
        }
    }

    /// All of P (column-major D × d), generated on first use and kept.
    private func cached<T: ProjectionScalar>(_ cache: borrowing Mutex<[T]?>) -> [T] {
        cache.withLock { c in
            if let c { return c }
            let n = fullDimension * subspaceDimension
            let m = [T](unsafeUninitializedCapacity: n) { buffer, count in
                // Transparent huge pages before the first touch: the kernels walk d
                // columns at once, and 4 KiB pages made that TLB-bound.
                let start = (Int(bitPattern: buffer.baseAddress!) + 4095) & ~4095
                let end = Int(bitPattern: buffer.baseAddress! + n) & ~4095
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
                buffer.initialize(repeating: 0)
                generate(rows: 0, count: fullDimension, into: buffer)
                count = n
            }
            c = m
            return m
        }
    }

    private func withFullMatrix<S: ProjectionScalar, R>(_: S.Type, _ body: (UnsafeBufferPointer<S>) -> R) -> R? {
        guard fullDimension * subspaceDimension * MemoryLayout<S>.size <= memoryBudget else { return nil }
        // S is Float or Double, so exactly one of these casts is the identity.
        let m: [S] = S.self == Float.self ? unsafeBitCast(cached(cacheF), to: [S].self)
                                          : unsafeBitCast(cached(cacheD), to: [S].self)
        return m.withUnsafeBufferPointer(body)
    }

    /// Calls `body(r0, rows, block)` for consecutive row blocks of P (column-major, rows × d).
    private func forEachBlock<S: ProjectionScalar>(_: S.Type, _ body: (Int, Int, UnsafeBufferPointer<S>) -> Void) {
        if withFullMatrix(S.self, { body(0, fullDimension, $0) }) != nil { return }
        let step = blockRows(elementBytes: MemoryLayout<S>.size)
        var block = [S](repeating: 0, count: step * subspaceDimension)
        var r0 = 0
        while r0 < fullDimension {
            let rows = min(step, fullDimension - r0)
            block.withUnsafeMutableBufferPointer { b in
                let m = UnsafeMutableBufferPointer(rebasing: b[0..<(rows * subspaceDimension)])
                generate(rows: r0, count: rows, into: m)
                body(r0, rows, UnsafeBufferPointer(m))
            }
            r0 += rows
        }
    }

    // y = P·x: for each chunk of rows, y_chunk = Σ_j x_j·P[chunk, j] in column
    // order (chunk-local, L1-resident).
    private func applyGeneric<S: ProjectionScalar>(_ x: UnsafeBufferPointer<S>, _ y: UnsafeMutableBufferPointer<S>) {
        checkApply(x.count, y.count)
        let d = subspaceDimension
        forEachBlock(S.self) { r0, rows, m in
            // Chunks in parallel: each writes its own rows of y. Every y_i is summed
            // over j in column order whatever the chunk, so the chunk length (32,768
            // rows here, for longer contiguous reads of each column) and the thread
            // count do not change the result.
            let span = 32 * Self.chunkRows
            let chunks = (rows + span - 1) / span
            let workers = min(chunks, ProcessInfo.processInfo.activeProcessorCount)
            nonisolated(unsafe) let (yb, mb, xb) = (y.baseAddress!, m.baseAddress!, x)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var k = w
                while k < chunks {
                    let c = k * span
                    let n = min(span, rows - c)
                    let out = yb + r0 + c
                    for i in 0..<n { out[i] = 0 }
                    for j in 0..<d { S._axpy(xb[j], mb + j * rows + c, out, n) }
                    k += workers
                }
            }
        }
    }

    // Pᵀ·g: out_j = Σ over canonical chunks, in row order, of dot(P[chunk, j], g[chunk]).
    private func transposeGeneric<S: ProjectionScalar>(_ g: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>) {
        checkTranspose(g.count, out.count)
        let d = subspaceDimension
        for j in 0..<d { out[j] = 0 }
        forEachBlock(S.self) { r0, rows, m in
            nonisolated(unsafe) let o = out
            nonisolated(unsafe) let mb = m.baseAddress!
            nonisolated(unsafe) let ga = g.baseAddress! + r0
            // Columns in parallel: each out_j is summed by one thread in a fixed order.
            DispatchQueue.concurrentPerform(iterations: min(d, 64)) { t in
                var j = t
                while j < d {
                    var c = 0
                    var sum = o[j]
                    while c < rows {
                        let n = min(Self.chunkRows, rows - c)
                        sum += S._dot(mb + j * rows + c, ga + c, n)
                        c += n
                    }
                    o[j] = sum
                    j += min(d, 64)
                }
            }
        }
    }

    public func apply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) { applyGeneric(x, y) }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) { applyGeneric(x, y) }
    public func applyTranspose(_ g: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) { transposeGeneric(g, out) }
    public func applyTranspose(_ g: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) { transposeGeneric(g, out) }

    /// P materialised, row-major D×d, Float64 (for tests on small D).
    public func materialized() -> [Double] {
        var colMajor = [Double](repeating: 0, count: fullDimension * subspaceDimension)
        colMajor.withUnsafeMutableBufferPointer { generate(rows: 0, count: fullDimension, into: $0) }
        var rowMajor = colMajor
        for i in 0..<fullDimension {
            for j in 0..<subspaceDimension { rowMajor[i * subspaceDimension + j] = colMajor[j * fullDimension + i] }
        }
        return rowMajor
    }
}
