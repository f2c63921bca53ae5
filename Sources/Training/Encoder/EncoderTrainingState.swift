import LinearAlgebra
import Models
import Projections

/// The mutable state of one fine-tuning run of a ``Models/BertClassifier`` — θ (D values, in
/// ``Models/BertClassifier/layout`` order), the trained vector, AdamW's moments, the model's
/// workspace — and one optimisation step, in each ``TrainingMode``:
///
/// - ``TrainingMode/full``: AdamW on θ, weight decay on every tensor but biases and LayerNorm
///   weights (``EncoderTrainer/decayedRanges(_:)``).
/// - ``TrainingMode/subspace(_:)``: θ = θ⁰ + f(θ_d). The model's gradient ∇θ (D values) is pulled
///   back to θ_d (J_fᵀ·∇θ; Pᵀ·∇θ for a projection), AdamW steps θ_d, then θ is rebuilt. Weight
///   decay is on θ_d, except SAID's per-tensor scales λ (decaying them would shrink every
///   tensor's offset towards 0).
/// - ``TrainingMode/lora(_:)``: θ = θ⁰ + f(θ_lora). The targeted layers hand (x, dy) to a
///   ``LoRAGradientConsumer`` (no dense ∂W for any frozen or factored weight); the map's saved
///   modules (the classifier) get their dense gradient. Weight decay is on the factors and the
///   saved weights, not their biases, as transformers' `Trainer` decays a PEFT model.
///
/// Not thread-safe; the model's products use `threads` threads, and results do not depend on it.
public final class EncoderTrainingState {
    /// The model stepped.
    public let model: BertClassifier
    /// What is trained.
    public let mode: TrainingMode
    /// θ⁰ (D values) in subspace and LoRA training, which rebuild θ from it; empty in full
    /// training, which needs it no more after the start (so a caller that drops its copy holds θ
    /// once, not twice).
    public let initialParameters: [Float]
    /// The current θ (D values).
    public private(set) var parameters: [Float]
    /// The current θ_d (subspace) or θ_lora (LoRA); empty in full training.
    public private(set) var trainableParameters: [Float]
    /// Steps taken.
    public private(set) var steps = 0
    /// The workspace the steps run in (also usable for evaluation between steps).
    public let workspace: BertWorkspace
    let map: (any SubspaceMap)?
    let lora: LoRAGradientConsumer?
    var optimizer: AdamW
    var gradient: [Float]
    var trainableGradient: [Float]
    var offset: [Float]
    /// SAID: P·θ′ of the current θ_d (D values), kept from the last rebuild for the next pullback.
    var unscaled: [Float]
    let threads: Int

    /// A state at θ⁰ = `initialParameters` (and θ_d at the map's initial point).
    ///
    /// - Precondition: `initialParameters.count == model.layout.count`; a map's D equals it.
    public init(model: BertClassifier, mode: TrainingMode, initialParameters: [Float], options: EncoderTrainingOptions,
                batchCapacity: Int, lengthCapacity: Int, threads: Int = 1) {
        let D = model.layout.count
        precondition(initialParameters.count == D, "EncoderTrainingState: θ⁰ has \(initialParameters.count) values, the model \(D)")
        self.model = model
        self.mode = mode
        self.initialParameters = mode.map == nil ? [] : initialParameters
        parameters = initialParameters
        self.threads = max(1, threads)
        map = mode.map
        if let map { precondition(map.fullDimension == D, "EncoderTrainingState: the map is for D = \(map.fullDimension), the model has \(D)") }
        workspace = model.makeWorkspace(batchCapacity: batchCapacity, lengthCapacity: lengthCapacity, threads: threads)
        let decayed: [Range<Int>]
        switch mode {
        case .full:
            lora = nil
            decayed = EncoderTrainer.decayedRanges(model.layout)
        case let .subspace(f):
            lora = nil
            decayed = [0..<((f as? SAIDMap)?.base.subspaceDimension ?? f.subspaceDimension)]
        case let .lora(f):
            lora = LoRAGradientConsumer(map: f, threads: threads)
            decayed = f.targets.map { $0.loraOffset..<($0.loraOffset + $0.rank * ($0.rows + $0.cols)) }
                + f.savedTensors.filter { !$0.tensor.hasSuffix(".bias") && !$0.tensor.contains("LayerNorm") }.map(\.loraRange)
        }
        workspace.weightGradientConsumer = lora
        if case let .lora(f) = mode {
            workspace.embeddingGradients = (f.targets.map(\.tensor) + f.savedTensors.map(\.tensor))
                .contains { $0.hasPrefix("bert.embeddings.") }
        }
        trainableParameters = map.map { $0.initialPoint.map(Float.init) } ?? []
        let d = map?.subspaceDimension ?? D
        gradient = [Float](repeating: 0, count: D)
        trainableGradient = [Float](repeating: 0, count: map == nil ? 0 : d)
        offset = [Float](repeating: 0, count: lora == nil && map != nil ? D : 0)
        unscaled = [Float](repeating: 0, count: map is SAIDMap ? D : 0)
        optimizer = AdamW(count: d, decayedRanges: decayed, weightDecay: options.weightDecay,
                          beta1: options.beta1, beta2: options.beta2, epsilon: options.epsilon)
        if map != nil { refresh() }
    }

    /// The number of trained values: D, d or the LoRA factors plus saved tensors.
    public var trainableCount: Int { map?.subspaceDimension ?? parameters.count }

    /// One step on `batch` (training mode with `dropout`'s masks; eval mode when `nil`) at
    /// learning rate `learningRate`.
    ///
    /// - Precondition: the batch fits the workspace, carries labels and passes the model's checks.
    public func step(_ batch: EncoderBatch, dropout: DropoutStream?, learningRate: Float) -> TrainingState.StepOutcome {
        let result = computeGradient(batch, dropout: dropout)
        steps += 1
        guard result.lossSum.isFinite else { return .nonFinite("training loss is \(result.lossSum)") }
        guard Self.isFinite(map == nil ? gradient : trainableGradient, threads: threads) else { return .nonFinite("the gradient is not finite") }
        if map == nil {
            optimizer.update(&parameters, gradient: gradient, learningRate: learningRate, threads: threads)
        } else {
            optimizer.update(&trainableParameters, gradient: trainableGradient, learningRate: learningRate, threads: threads)
            refresh()
        }
        return .ok(result)
    }

    /// The loss on `batch` and its gradient with respect to the trained vector: into ``gradient``
    /// (∇θ, full mode) or ``trainableGradient`` (∇θ_d, ∇θ_lora).
    func computeGradient(_ batch: EncoderBatch, dropout: DropoutStream?) -> BatchResult {
        if let lora {
            return parameters.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { g in
                    trainableParameters.withUnsafeBufferPointer { s in
                        trainableGradient.withUnsafeMutableBufferPointer { sg in
                            lora.bind(theta: s.baseAddress!, gradient: sg.baseAddress!)
                            let r = model.evaluate(parameters: t.baseAddress!, batch: batch, dropout: dropout,
                                                   gradient: g.baseAddress!, workspace: workspace)
                            lora.map.gatherSavedGradients(g.baseAddress!, into: sg.baseAddress!)
                            return r
                        }
                    }
                }
            }
        }
        let result = parameters.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                model.evaluate(parameters: t.baseAddress!, batch: batch, dropout: dropout, gradient: g.baseAddress!,
                               workspace: workspace)
            }
        }
        if let f = map, result.lossSum.isFinite {
            gradient.withUnsafeBufferPointer { g in
                trainableParameters.withUnsafeBufferPointer { s in
                    trainableGradient.withUnsafeMutableBufferPointer { out in
                        if let said = f as? SAIDMap {
                            unscaled.withUnsafeBufferPointer { said.pullback(g, at: s, unscaled: $0, into: out) }
                        } else {
                            f.pullback(g, at: s, into: out)
                        }
                    }
                }
            }
        }
        return result
    }

    /// The trained vector and AdamW's state, with the finished epochs' `records`.
    public func snapshot(records: [EncoderEpochRecord]) -> EncoderTrainingSnapshot {
        EncoderTrainingSnapshot(trainable: map == nil ? parameters : trainableParameters, firstMoment: optimizer.firstMoment,
                                secondMoment: optimizer.secondMoment, optimizerStep: optimizer.step, records: records)
    }

    /// Continues from `snapshot`: the trained vector (θ rebuilt from it) and AdamW's state.
    ///
    /// - Precondition: the snapshot's vectors have ``trainableCount`` values.
    public func restore(_ snapshot: EncoderTrainingSnapshot) {
        setTrainableParameters(snapshot.trainable)
        optimizer.restore(step: snapshot.optimizerStep, firstMoment: snapshot.firstMoment, secondMoment: snapshot.secondMoment)
        steps = snapshot.optimizerStep
    }

    /// Sets the trained vector (θ_d or θ_lora; θ itself in full mode) and rebuilds θ.
    ///
    /// - Precondition: `values.count` is ``trainableCount``.
    public func setTrainableParameters(_ values: [Float]) {
        precondition(values.count == trainableCount, "EncoderTrainingState: \(values.count) values for \(trainableCount)")
        if map == nil { parameters = values } else { trainableParameters = values; refresh() }
    }

    /// θ = θ⁰ + f(θ_d) (LoRA: only the targeted and saved slots change).
    func refresh() {
        if let lora {
            trainableParameters.withUnsafeBufferPointer { s in
                initialParameters.withUnsafeBufferPointer { p0 in
                    parameters.withUnsafeMutableBufferPointer { lora.map.merge(s.baseAddress!, base: p0.baseAddress!, into: $0.baseAddress!) }
                }
            }
            return
        }
        guard let f = map else { return }
        trainableParameters.withUnsafeBufferPointer { s in
            offset.withUnsafeMutableBufferPointer { y in
                if let said = f as? SAIDMap {
                    unscaled.withUnsafeMutableBufferPointer { said.map(s, into: y, unscaled: $0) }
                } else {
                    f.map(s, into: y)
                }
            }
        }
        let threads = threads
        parameters.withUnsafeMutableBufferPointer { theta in
            initialParameters.withUnsafeBufferPointer { p0 in
                offset.withUnsafeBufferPointer { y in
                    nonisolated(unsafe) let (theta, p0, y) = (theta, p0, y)
                    ParallelChunks.run(count: theta.count, threads: threads) { _, r in
                        for i in r { theta[i] = p0[i] + y[i] }
                    }
                }
            }
        }
    }

    /// Whether every value is finite: the largest exponent field is all ones only for NaN or ±∞.
    static func isFinite(_ values: [Float], threads: Int = 1) -> Bool {
        var largest = [UInt32](repeating: 0, count: ParallelChunks.maxParts)
        values.withUnsafeBufferPointer { v in
            largest.withUnsafeMutableBufferPointer { e in
                nonisolated(unsafe) let (v, e) = (v, e)
                ParallelChunks.run(count: v.count, threads: threads) { part, r in
                    var exponent: UInt32 = 0
                    for i in r { exponent = max(exponent, v[i].bitPattern & 0x7F80_0000) }
                    e[part] = exponent
                }
            }
        }
        return largest.max()! != 0x7F80_0000
    }
}
