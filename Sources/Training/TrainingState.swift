import Models
import LinearAlgebra
import Projections

/// The mutable state of one training run — θ_D, θ_d (subspace mode), the
/// optimiser's moments, the model's workspace — and one optimisation step.
///
/// A step on a batch: θ_D's loss gradient (batch-mean cross-entropy)
/// plus λ·θ_D; in subspace mode pulled back to θ_d (J_fᵀ·∇θ_D, Pᵀ·∇θ_D for
/// a projection); then one optimiser update, and θ_D = θ_D⁰ + f(θ_d). In
/// LoRA mode the layers hand their inputs and output gradients to a
/// ``LoRAGradientConsumer`` (no dense ∂W), the λ term goes on the factors
/// (λ·θ_lora), and only the targeted weights are re-merged.
/// Not thread-safe; its matrix products use `threads` threads.
public final class TrainingState {
    /// The model stepped.
    public let model: any Model
    /// The hyper-parameters (optimiser, learning rate, λ).
    public let options: TrainingOptions
    /// θ_D⁰ (D values).
    public let initialParameters: [Float]
    /// The current θ_D.
    public private(set) var parameters: [Float]
    /// The current θ_d (empty in full training).
    public private(set) var subspaceParameters: [Float]
    /// Steps taken.
    public private(set) var steps = 0
    let map: (any SubspaceMap)?
    /// LoRA: the factors' gradient straight from the layers (no dense ∂W, no pass over D).
    let lora: LoRAGradientConsumer?
    var optimizer: Optimizer
    var offset: [Float]
    var gradient: [Float]
    var subspaceGradient: [Float]
    let workspace: ModelWorkspace
    let threads: Int
    /// Per-part largest exponent field of the last gradient (the finiteness check).
    var exponents = [UInt32](repeating: 0, count: ParallelChunks.maxParts)

    /// - Precondition: `initialParameters.count == model.layout.count`; a
    ///   subspace map's D equals it.
    public init(model: any Model, mode: TrainingMode, initialParameters: [Float], options: TrainingOptions,
                batchCapacity: Int, threads: Int) {
        let D = model.layout.count
        precondition(initialParameters.count == D, "TrainingState: θ_D⁰ has \(initialParameters.count) values, the model \(D)")
        self.model = model
        self.options = options
        self.initialParameters = initialParameters
        parameters = initialParameters
        if let f = mode.map {
            precondition(f.fullDimension == D, "TrainingState: the subspace map is for D = \(f.fullDimension), the model has \(D)")
        }
        map = mode.map
        if case .lora(let f) = mode { lora = LoRAGradientConsumer(map: f, threads: threads) } else { lora = nil }
        let d = map?.subspaceDimension ?? D
        subspaceParameters = map.map { $0.initialPoint.map(Float.init) } ?? []
        offset = [Float](repeating: 0, count: map == nil || lora != nil ? 0 : D)
        gradient = [Float](repeating: 0, count: D)
        subspaceGradient = [Float](repeating: 0, count: map == nil ? 0 : d)
        optimizer = Optimizer(kind: options.optimizer, count: d, learningRate: options.learningRate,
                              momentum: options.momentum, beta1: options.beta1, beta2: options.beta2, epsilon: options.epsilon)
        workspace = model.makeWorkspace(batchCapacity: batchCapacity, threads: threads)
        workspace.weightGradientConsumer = lora
        self.threads = max(1, threads)
        refresh()
    }

    /// θ_D = θ_D⁰ + f(θ_d).
    func refresh() {
        if let lora {
            subspaceParameters.withUnsafeBufferPointer { s in
                initialParameters.withUnsafeBufferPointer { p0 in
                    parameters.withUnsafeMutableBufferPointer { lora.map.merge(s.baseAddress!, base: p0.baseAddress!, into: $0.baseAddress!) }
                }
            }
            return
        }
        guard let f = map else { return }
        subspaceParameters.withUnsafeBufferPointer { s in offset.withUnsafeMutableBufferPointer { f.map(s, into: $0) } }
        let D = parameters.count
        parameters.withUnsafeMutableBufferPointer { p in
            initialParameters.withUnsafeBufferPointer { p0 in
                offset.withUnsafeBufferPointer { o in
                    nonisolated(unsafe) let (p, p0, o) = (p, p0, o)
                    ParallelChunks.run(count: D, threads: threads) { _, range in for i in range { p[i] = p0[i] + o[i] } }
                }
            }
        }
    }

    /// What a step found.
    public enum StepOutcome: Sendable, Equatable {
        /// The update was applied.
        case ok(BatchResult)
        /// The loss or gradient was not finite; nothing was updated.
        case nonFinite(String)
    }

    /// One optimisation step on `n` examples (inputs n×features row-major, labels).
    ///
    /// - Precondition: `n ≤` the batch capacity given at init.
    public func step(inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int) -> StepOutcome {
        if lora != nil { return loraStep(inputs: inputs, labels: labels, count: n) }
        let D = parameters.count
        let r = parameters.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                model.evaluate(parameters: t.baseAddress!, inputs: inputs, labels: labels, count: n,
                               gradient: g.baseAddress!, workspace: workspace)
            }
        }
        steps += 1
        guard r.lossSum.isFinite else { return .nonFinite("training loss is \(r.lossSum)") }
        let lambda = options.l2
        // The largest exponent field: all ones only for NaN or ±∞. An integer
        // max reduction, so the loop vectorises (a Float sum would not).
        for k in exponents.indices { exponents[k] = 0 }
        gradient.withUnsafeMutableBufferPointer { g in
            parameters.withUnsafeBufferPointer { t in
                exponents.withUnsafeMutableBufferPointer { e in
                    nonisolated(unsafe) let (g, t, e) = (g, t, e)
                    ParallelChunks.run(count: D, threads: threads) { part, range in
                        var exponent: UInt32 = 0
                        for i in range {
                            g[i] += lambda * t[i]
                            exponent = max(exponent, g[i].bitPattern & 0x7F80_0000)
                        }
                        e[part] = exponent
                    }
                }
            }
        }
        guard exponents.max()! != 0x7F80_0000 else { return .nonFinite("the gradient is not finite") }
        if let f = map {
            gradient.withUnsafeBufferPointer { g in
                subspaceParameters.withUnsafeBufferPointer { s in
                    subspaceGradient.withUnsafeMutableBufferPointer { f.pullback(g, at: s, into: $0) }
                }
            }
            subspaceParameters.withUnsafeMutableBufferPointer { p in
                subspaceGradient.withUnsafeBufferPointer { optimizer.step(p, gradient: $0, threads: threads) }
            }
            refresh()
        } else {
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { optimizer.step(p, gradient: $0, threads: threads) }
            }
        }
        return .ok(r)
    }

    /// A LoRA step: the layers hand (x, dy) to ``lora``, which writes ∂A and ∂B; then λ·θ_lora, the
    /// finiteness check and the optimiser on the d factors, and the merge of the target slots.
    private func loraStep(inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int) -> StepOutcome {
        let lora = lora!
        let r = parameters.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                subspaceParameters.withUnsafeBufferPointer { s in
                    subspaceGradient.withUnsafeMutableBufferPointer { sg in
                        lora.bind(theta: s.baseAddress!, gradient: sg.baseAddress!)
                        return model.evaluate(parameters: t.baseAddress!, inputs: inputs, labels: labels, count: n,
                                              gradient: g.baseAddress!, workspace: workspace)
                    }
                }
            }
        }
        steps += 1
        guard r.lossSum.isFinite else { return .nonFinite("training loss is \(r.lossSum)") }
        gradient.withUnsafeBufferPointer { g in
            subspaceGradient.withUnsafeMutableBufferPointer { lora.map.gatherSavedGradients(g.baseAddress!, into: $0.baseAddress!) }
        }
        let l2 = options.l2
        var exponent: UInt32 = 0
        for i in subspaceGradient.indices {
            subspaceGradient[i] += l2 * subspaceParameters[i]
            exponent = max(exponent, subspaceGradient[i].bitPattern & 0x7F80_0000)
        }
        guard exponent != 0x7F80_0000 else { return .nonFinite("the gradient is not finite") }
        subspaceParameters.withUnsafeMutableBufferPointer { p in
            subspaceGradient.withUnsafeBufferPointer { optimizer.step(p, gradient: $0, threads: threads) }
        }
        refresh()
        return .ok(r)
    }
}
