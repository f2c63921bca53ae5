import Dispatch
import Foundation
import LinearAlgebra

/// The very sparse random projection of Li, Hastie & Church (2006) as Li et
/// al. (2018) use it: density s = 1/√D, non-zeros ±1 with equal
/// probability, each column then scaled to unit norm (±1/√nnz).
///
/// Column j comes from stream `(seed, sparse, group, j)`: its k-th word
/// gives a geometric gap `⌊log1p(−u)/log1p(−s)⌋` to the next non-zero row
/// and, from its lowest bit, the sign (`RandomStreams.md`). A column is thus
/// regenerated on its own, with ≈ √D words.
///
/// Memory: the non-zeros (≈ d·√D row indices and values) are stored in
/// compressed-column form when they fit `memoryBudget`, otherwise each call
/// regenerates them column by column. Results are identical either way and
/// for any thread count (each output element is summed in a fixed order).
public final class SparseProjection: Projection, @unchecked Sendable {
    public let descriptor: ProjectionDescriptor
    public var fullDimension: Int { descriptor.fullDimension }
    public var subspaceDimension: Int { descriptor.subspaceDimension }
    /// The memory cap, in bytes.
    public let memoryBudget: Int
    /// The density s = 1/√D.
    public let density: Double

    /// Compressed columns: rows of column j are `rows[start[j] ..< start[j+1]]`.
    private struct CompressedColumns {
        var start: [Int]
        var rows: [UInt32]
        var values: [Double]
    }
    private let stored: CompressedColumns?

    /// The projection of `descriptor`, holding its non-zeros when they fit
    /// `memoryBudget` bytes (≈ 12·1.5·d·√D), else regenerating them on each call.
    ///
    /// - Precondition: the descriptor's shape is valid (``ProjectionDescriptor/validate()``).
    public init(_ descriptor: ProjectionDescriptor, memoryBudget: Int) {
        precondition((try? descriptor.validateShape()) != nil, "SparseProjection: invalid descriptor \(descriptor)")
        self.descriptor = descriptor
        self.memoryBudget = memoryBudget
        density = 1 / Double(descriptor.fullDimension).squareRoot()
        // Expected size: d·√D entries of 12 bytes; store when it fits with a margin.
        let expected = Double(descriptor.subspaceDimension) * Double(descriptor.fullDimension).squareRoot() * 12 * 1.5
        if expected <= Double(memoryBudget) {
            var start = [0]
            var rows: [UInt32] = []
            var values: [Double] = []
            for j in 0..<descriptor.subspaceDimension {
                let (r, v) = SparseProjection.column(j, descriptor: descriptor, density: 1 / Double(descriptor.fullDimension).squareRoot())
                rows += r.map { UInt32($0) }
                values += v
                start.append(rows.count)
            }
            stored = CompressedColumns(start: start, rows: rows, values: values)
        } else {
            stored = nil
        }
    }

    /// Whether the non-zeros are held in memory (else regenerated per call).
    public var isStored: Bool { stored != nil }

    /// The non-zero rows of column j (increasing) and their values ±1/√nnz.
    public static func column(_ j: Int, descriptor: ProjectionDescriptor, density s: Double) -> (rows: [Int], values: [Double]) {
        let D = descriptor.fullDimension
        let stream = RandomStream(seed: descriptor.seed, kind: .sparse, group: descriptor.group, index: j)
        let logq = Foundation.log1p(-s)
        var rows: [Int] = []
        var signs: [Double] = []
        var row = -1
        var k = 0
        while true {
            let w = stream.word(k)
            k += 1
            let u = RandomStream.uniform(word: w)
            let gap = s >= 1 ? 0.0 : (Foundation.log1p(-u) / logq).rounded(.down)
            if gap >= Double(D) { break }
            row += 1 + Int(gap)
            if row >= D { break }
            rows.append(row)
            signs.append(w & 1 == 0 ? 1 : -1)  // bit 0: u uses bits 63…11 only
        }
        let scale = rows.isEmpty ? 0 : 1 / Double(rows.count).squareRoot()
        return (rows, signs.map { $0 * scale })
    }

    private func forEachColumn(_ body: (Int, UnsafeBufferPointer<UInt32>?, [Int]?, UnsafeBufferPointer<Double>) -> Void) {
        if let c = stored {
            c.rows.withUnsafeBufferPointer { rows in
                c.values.withUnsafeBufferPointer { values in
                    for j in 0..<subspaceDimension {
                        let r = c.start[j]..<c.start[j + 1]
                        body(j, UnsafeBufferPointer(rebasing: rows[r]), nil, UnsafeBufferPointer(rebasing: values[r]))
                    }
                }
            }
        } else {
            for j in 0..<subspaceDimension {
                let (rows, values) = Self.column(j, descriptor: descriptor, density: density)
                values.withUnsafeBufferPointer { body(j, nil, rows, $0) }
            }
        }
    }

    private func applyGeneric<S: ProjectionScalar>(_ x: UnsafeBufferPointer<S>, _ y: UnsafeMutableBufferPointer<S>) {
        checkApply(x.count, y.count)
        for i in 0..<fullDimension { y[i] = 0 }
        forEachColumn { j, stored, regenerated, values in
            let xj = x[j]
            if let stored {
                for k in 0..<values.count { y[Int(stored[k])] += S(values[k]) * xj }
            } else if let regenerated {
                for k in 0..<values.count { y[regenerated[k]] += S(values[k]) * xj }
            }
        }
    }

    private func transposeGeneric<S: ProjectionScalar>(_ g: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>) {
        checkTranspose(g.count, out.count)
        forEachColumn { j, stored, regenerated, values in
            var sum: S = 0
            if let stored {
                for k in 0..<values.count { sum += S(values[k]) * g[Int(stored[k])] }
            } else if let regenerated {
                for k in 0..<values.count { sum += S(values[k]) * g[regenerated[k]] }
            }
            out[j] = sum
        }
    }

    public func apply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) { applyGeneric(x, y) }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) { applyGeneric(x, y) }
    public func applyTranspose(_ g: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) { transposeGeneric(g, out) }
    public func applyTranspose(_ g: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) { transposeGeneric(g, out) }
}
