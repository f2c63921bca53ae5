import Foundation
import Dispatch

/// The per-tensor block mode of Aghajanyan et al. (2020): the model's
/// tensors (sizes D₁ … D_T, D = ΣDₜ) each get an independent projection
/// Pₜ (Dₜ × d, random stream group t) from the same θ_d, so
/// P = [P₁; P₂; …; P_T] stacked by rows.
///
/// Normalisation is per tensor: every column of every Pₜ has unit norm
/// over that tensor's Dₜ rows (exactly for dense and sparse; before
/// truncation, and in expectation after it, for Fastfood, whose length is
/// Lₜ = 2^⌈log₂ max(Dₜ, d)⌉). So each column of the whole P has squared
/// norm T, and each tensor moves by the same amount whatever its size.
/// d may exceed a small tensor's Dₜ (a bias); only d ≤ D is required.
public final class PerTensorProjection: Projection, @unchecked Sendable {
    public let descriptor: ProjectionDescriptor
    public var fullDimension: Int { descriptor.fullDimension }
    public var subspaceDimension: Int { descriptor.subspaceDimension }
    /// Pₜ for each tensor, in order.
    public let blocks: [any Projection]
    /// The first row of each tensor's block.
    public let offsets: [Int]

    /// - Precondition: `descriptor.validate()` passes and `tensorSizes` is set.
    public init(_ descriptor: ProjectionDescriptor, memoryBudget: Int,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition((try? descriptor.validate()) != nil && descriptor.tensorSizes != nil,
                     "PerTensorProjection: invalid descriptor \(descriptor)")
        self.descriptor = descriptor
        let sizes = descriptor.tensorSizes!
        var offsets: [Int] = []
        var o = 0
        for s in sizes { offsets.append(o); o += s }
        self.offsets = offsets
        blocks = sizes.enumerated().map { t, size in
            var part = descriptor
            part.fullDimension = size
            part.group = t
            part.tensorSizes = nil
            return part.makeBlock(memoryBudget: memoryBudget / max(1, sizes.count), threads: threads)
        }
    }

    private func applyGeneric<S: ProjectionScalar>(_ x: UnsafeBufferPointer<S>, _ y: UnsafeMutableBufferPointer<S>,
                                                   _ one: (any Projection, UnsafeBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void) {
        checkApply(x.count, y.count)
        for (t, p) in blocks.enumerated() {
            one(p, x, UnsafeMutableBufferPointer(rebasing: y[offsets[t]..<(offsets[t] + p.fullDimension)]))
        }
    }

    private func transposeGeneric<S: ProjectionScalar>(_ g: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>,
                                                       _ one: (any Projection, UnsafeBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void) {
        checkTranspose(g.count, out.count)
        for j in 0..<subspaceDimension { out[j] = 0 }
        var part = [S](repeating: 0, count: subspaceDimension)
        for (t, p) in blocks.enumerated() {
            part.withUnsafeMutableBufferPointer { one(p, UnsafeBufferPointer(rebasing: g[offsets[t]..<(offsets[t] + p.fullDimension)]), $0) }
            for j in 0..<subspaceDimension { out[j] += part[j] }  // tensors summed in order
        }
    }

    public func apply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        applyGeneric(x, y) { $0.apply($1, into: $2) }
    }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        applyGeneric(x, y) { $0.apply($1, into: $2) }
    }
    public func applyTranspose(_ g: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        transposeGeneric(g, out) { $0.applyTranspose($1, into: $2) }
    }
    public func applyTranspose(_ g: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        transposeGeneric(g, out) { $0.applyTranspose($1, into: $2) }
    }
}
