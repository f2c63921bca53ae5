import Foundation
import LinearAlgebra
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
        self.threads = max(1, threads)
    }

    /// Threads of the element-wise passes over D (results do not depend on it).
    public let threads: Int

    /// Entries per unit of the element-wise passes: a tensor's λ-scaling and its dot product
    /// run in fixed chunks of this many, the dot's partial sums added in chunk order.
    static let chunk = 1 << 16

    /// `body(range)` over the chunks of `range` split between the threads.
    private func inChunks(_ range: Range<Int>, _ body: (Int, Range<Int>) -> Void) {
        let n = range.count, chunks = (n + Self.chunk - 1) / Self.chunk
        func one(_ c: Int) {
            let lo = range.lowerBound + c * Self.chunk
            body(c, lo..<min(lo + Self.chunk, range.upperBound))
        }
        let t = min(threads, chunks)
        if t <= 1 { for c in 0..<chunks { one(c) }; return }
        withoutActuallyEscaping(one) { f in
            nonisolated(unsafe) let f = f
            HotWorkers.run(parts: t) { w in for c in (chunks * w / t)..<(chunks * (w + 1) / t) { f(c) } }
        }
    }

    public var initialPoint: [Double] {
        [Double](repeating: 0, count: base.subspaceDimension) + [Double](repeating: 1, count: tensorCount)
    }

    public func map(_ theta: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        var py = [Float](repeating: 0, count: fullDimension)
        py.withUnsafeMutableBufferPointer { map(theta, into: y, unscaled: $0) }
    }

    /// δθ = f(θ_d) into `y`, and P·θ′ (before the scales) into `unscaled` (D values), which
    /// ``pullback(_:at:unscaled:into:)`` at the same θ_d needs: keeping it saves that pass.
    public func map(_ theta: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>,
                    unscaled py: UnsafeMutableBufferPointer<Float>) {
        precondition(theta.count == subspaceDimension && y.count == fullDimension && py.count == fullDimension, "SAIDMap: wrong sizes")
        let d = base.subspaceDimension
        base.apply(UnsafeBufferPointer(rebasing: theta[0..<d]), into: py)
        for (t, p) in base.blocks.enumerated() {
            let λ = theta[d + t]
            inChunks(base.offsets[t]..<(base.offsets[t] + p.fullDimension)) { _, r in for i in r { y[i] = λ * py[i] } }
        }
    }

    public func pullback(_ g: UnsafeBufferPointer<Float>, at theta: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        var py = [Float](repeating: 0, count: fullDimension)
        py.withUnsafeMutableBufferPointer { base.apply(UnsafeBufferPointer(rebasing: theta[0..<base.subspaceDimension]), into: $0) }
        py.withUnsafeBufferPointer { pullback(g, at: theta, unscaled: $0, into: out) }
    }

    /// ∇θ_d = J_fᵀ·g with P·θ′ given (`unscaled`, from ``map(_:into:unscaled:)`` at this θ_d):
    /// ∇θ′ = Σₜ λₜ·(Pₜᵀ gₜ), tensors summed in order, and ∇λₜ = ⟨Pₜ θ′, gₜ⟩.
    public func pullback(_ g: UnsafeBufferPointer<Float>, at theta: UnsafeBufferPointer<Float>,
                         unscaled py: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(g.count == fullDimension && theta.count == subspaceDimension && out.count == subspaceDimension
                     && py.count == fullDimension, "SAIDMap: wrong sizes")
        let d = base.subspaceDimension
        for j in 0..<d { out[j] = 0 }
        var part = [Float](repeating: 0, count: d)
        for (t, p) in base.blocks.enumerated() {
            let λ = theta[d + t]
            let rows = base.offsets[t]..<(base.offsets[t] + p.fullDimension)
            let chunks = (rows.count + Self.chunk - 1) / Self.chunk
            var partial = [Float](repeating: 0, count: chunks)
            partial.withUnsafeMutableBufferPointer { sums in
                nonisolated(unsafe) let sums = sums
                inChunks(rows) { c, r in
                    var dot: Float = 0
                    for i in r { dot += py[i] * g[i] }
                    sums[c] = dot
                }
            }
            out[d + t] = partial.reduce(0, +)
            part.withUnsafeMutableBufferPointer { p.applyTranspose(UnsafeBufferPointer(rebasing: g[rows]), into: $0) }
            for j in 0..<d { out[j] += λ * part[j] }
        }
    }
}
