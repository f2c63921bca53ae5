import Foundation
/// Structure-Aware Intrinsic Dimension (Aghajanyan et al. 2020): per-tensor
/// projections with one extra trainable scale per tensor, counted in d.
///
/// θ_d = (θ', λ₁ … λ_T) with θ' of length d − T, and tensor t's offset is
/// λₜ · Pₜ θ'. The Pₜ are those of a ``PerTensorProjection`` of subspace
/// dimension d − T (normalised per tensor). θ' starts at 0 and every λₜ at 1,
/// as in the authors' code: with λ = 0 the gradient to θ' would vanish.
/// The map is bilinear, so its pullback depends on the point:
/// ∇θ' = Σₜ λₜ Pₜᵀ gₜ and ∇λₜ = ⟨Pₜ θ', gₜ⟩.
public final class SAIDMap: SubspaceMap, @unchecked Sendable {
    /// The per-tensor projection of θ' (subspace dimension d − T).
    public let base: PerTensorProjection
    public var fullDimension: Int { base.fullDimension }
    public var subspaceDimension: Int { base.subspaceDimension + base.blocks.count }
    /// The number of tensors T.
    public var tensorCount: Int { base.blocks.count }

    /// SAID over `descriptor`, whose `subspaceDimension` is the total d
    /// (including the T scales) and whose `tensorSizes` is set.
    public init(_ descriptor: ProjectionDescriptor, memoryBudget: Int = 256 << 20,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ProjectionError) {
        guard let sizes = descriptor.tensorSizes else {
            throw .invalidDimension("SAID needs the model's tensor sizes (per-tensor mode)")
        }
        guard descriptor.subspaceDimension > sizes.count else {
            throw .invalidDimension("SAID's d = \(descriptor.subspaceDimension) must exceed its \(sizes.count) per-tensor scales")
        }
        var inner = descriptor
        inner.subspaceDimension -= sizes.count
        try inner.validate()
        base = PerTensorProjection(inner, memoryBudget: memoryBudget, threads: threads)
    }

    public var initialPoint: [Double] {
        [Double](repeating: 0, count: base.subspaceDimension) + [Double](repeating: 1, count: tensorCount)
    }

    public func map(_ theta: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        precondition(theta.count == subspaceDimension && y.count == fullDimension, "SAIDMap: wrong sizes")
        let d = base.subspaceDimension
        base.apply(UnsafeBufferPointer(rebasing: theta[0..<d]), into: y)
        for (t, p) in base.blocks.enumerated() {
            let λ = theta[d + t]
            for i in base.offsets[t]..<(base.offsets[t] + p.fullDimension) { y[i] *= λ }
        }
    }

    public func pullback(_ g: UnsafeBufferPointer<Float>, at theta: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(g.count == fullDimension && theta.count == subspaceDimension && out.count == subspaceDimension,
                     "SAIDMap: wrong sizes")
        let d = base.subspaceDimension
        var py = [Float](repeating: 0, count: fullDimension)
        py.withUnsafeMutableBufferPointer { base.apply(UnsafeBufferPointer(rebasing: theta[0..<d]), into: $0) }
        var scaled = [Float](repeating: 0, count: fullDimension)
        for (t, p) in base.blocks.enumerated() {
            let λ = theta[d + t]
            var dot: Float = 0
            for i in base.offsets[t]..<(base.offsets[t] + p.fullDimension) {
                dot += py[i] * g[i]
                scaled[i] = λ * g[i]
            }
            out[d + t] = dot
        }
        scaled.withUnsafeBufferPointer { base.applyTranspose($0, into: UnsafeMutableBufferPointer(rebasing: out[0..<d])) }
    }
}
