import Foundation
import Models

/// `torch.optim.AdamW` (decoupled weight decay, Loshchilov & Hutter) on one flat Float32
/// parameter buffer, with weight decay applied only to the element ranges given.
///
/// Step t (1-based), for every element, in torch's order of operations:
/// θ ← θ·(1 − lr·λ) (decayed elements only); m ← β₁·m + (1 − β₁)·g;
/// v ← β₂·v + (1 − β₂)·g²; θ ← θ − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
/// The bias corrections and step size are computed in Float64 (torch's Python floats),
/// the element updates in Float32. Elements update independently, so the result does not
/// depend on how they are split.
public struct AdamW: Sendable {
    /// β₁ (torch default 0.9).
    public let beta1: Float
    /// β₂ (torch default 0.999).
    public let beta2: Float
    /// ε added to √v̂ (torch default 1e-8).
    public let epsilon: Float
    /// The decoupled weight decay λ (transformers' default 0.0; its fine-tuning scripts use 0.01).
    public let weightDecay: Float
    /// Element ranges that receive weight decay (the others get none), sorted, disjoint.
    public let decayedRanges: [Range<Int>]
    /// Steps taken so far (t of the last step).
    public private(set) var step = 0
    /// First moments m, one per parameter.
    public private(set) var firstMoment: [Float]
    /// Second moments v, one per parameter.
    public private(set) var secondMoment: [Float]

    /// An optimiser for `count` parameters with moments at zero.
    ///
    /// - Precondition: the ranges lie in 0..<count; 0 ≤ β < 1; ε > 0; λ ≥ 0.
    public init(count: Int, decayedRanges: [Range<Int>], weightDecay: Float = 0.01,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        precondition(decayedRanges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= count }, "AdamW: a decayed range outside 0..<\(count)")
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0 && weightDecay >= 0,
                     "AdamW: β₁ \(beta1), β₂ \(beta2), ε \(epsilon), λ \(weightDecay)")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decayedRanges = decayedRanges.sorted { $0.lowerBound < $1.lowerBound }
        firstMoment = [Float](repeating: 0, count: count)
        secondMoment = [Float](repeating: 0, count: count)
    }

    /// Sets the moments and step count, as a snapshot of this optimiser held them.
    ///
    /// - Precondition: both moment vectors hold ``firstMoment``'s count of values; `step` ≥ 0.
    public mutating func restore(step: Int, firstMoment m: [Float], secondMoment v: [Float]) {
        precondition(m.count == firstMoment.count && v.count == firstMoment.count && step >= 0,
                     "AdamW.restore: \(m.count)/\(v.count) moments for \(firstMoment.count), step \(step)")
        self.step = step
        firstMoment = m
        secondMoment = v
    }

    /// One step on `parameters` with `gradient` at learning rate `learningRate`, the elements
    /// split over up to `threads` threads (the values do not depend on it).
    ///
    /// - Precondition: both buffers hold ``firstMoment``'s count of values.
    public mutating func update(_ parameters: inout [Float], gradient: [Float], learningRate: Float, threads: Int = 1) {
        precondition(parameters.count == firstMoment.count && gradient.count == firstMoment.count,
                     "AdamW.update: \(parameters.count) parameters, \(gradient.count) gradients for \(firstMoment.count)")
        step += 1
        let decay = Float(1 - Double(learningRate) * Double(weightDecay))
        if weightDecay != 0 {
            for r in decayedRanges { for i in r { parameters[i] *= decay } }
        }
        let bc1 = 1 - pow(Double(beta1), Double(step))
        let bc2Root = Float((1 - pow(Double(beta2), Double(step))).squareRoot())
        let stepSize = Float(Double(learningRate) / bc1)
        let b1 = beta1, b2 = beta2, eps = epsilon
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        // Elements are independent, so any split gives the same values.
                        nonisolated(unsafe) let (p, g, m, v) = (p, g, m, v)
                        ParallelChunks.run(count: p.count, threads: threads) { _, range in
                            for i in range {
                                let gi = g[i]
                                m[i] += (gi - m[i]) * (1 - b1)
                                v[i] = v[i] * b2 + (1 - b2) * gi * gi
                                let denom = v[i].squareRoot() / bc2Root + eps
                                p[i] -= stepSize * (m[i] / denom)
                            }
                        }
                    }
                }
            }
        }
    }
}
