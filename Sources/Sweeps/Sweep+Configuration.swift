import Training

extension Sweep {
    /// Everything that changes which runs are made or what they compute, option name → value as
    /// the `sweep` command spells them: the journal's header, compared when a sweep resumes, and
    /// `d_int90.json`'s `configuration`. Keys: model, dataset, classes, test-fraction, epochs,
    /// batch-size, optimizer, lr, momentum, beta1, beta2, epsilon, l2, projection, projection-seed,
    /// per-tensor, said, block-length, wht, init, seeds, first-seed; baseline-lr when set; then
    /// `d` (sorted sizes), or `mode` = lora, `ranks` and the LoRA options, or `search` and
    /// `search-threshold` (and `search-baseline` for an absolute target); `lrs` (the sorted
    /// learning rates) for a sweep over learning rates.
    ///
    /// An encoder sweep (``encoder``) records instead of the fc/lenet keys: model (the folder),
    /// dataset, test-dataset, text-column, text-pair-column, label-column, train-limit,
    /// test-limit, max-length, epochs, batch-size, lr, weight-decay, warmup-ratio, beta1, beta2,
    /// epsilon, optimizer (`adamw`), and the subspace keys; so a resumed sweep with other
    /// encoder options is refused.
    ///
    /// - Parameter fullDimension: D, a search's limit when it has none of its own.
    public func configuration(fullDimension: Int) -> [String: String] {
        var c = encoder.map(encoderConfiguration) ?? builtinConfiguration
        if let lr = baselineLearningRate { c["baseline-lr"] = String(lr) }
        if !plan.learningRates.isEmpty { c["lrs"] = plan.sortedLearningRates.map { String($0) }.joined(separator: ",") }
        switch plan.sizes {
        case let .search(start, limit, resolution, target):
            c["search"] = "start \(start), limit \(limit ?? fullDimension), resolution \(resolution), target \(target.rawValue)"
            c["search-threshold"] = String(summary.threshold)
            if target == .absolute { c["search-baseline"] = String(summary.absoluteBaseline) }
        case .grid:
            let sizes = plan.dimensions.map(String.init).joined(separator: ",")
            if let lora {
                c["mode"] = "lora"
                c["ranks"] = sizes
                c["alpha"] = lora.alpha.map { "\($0)" } ?? "(r)"
                c["rslora"] = String(lora.useRSLoRA)
                c["targets"] = lora.targets?.joined(separator: ",") ?? (encoder == nil ? "(every weight)" : Sweep.LoRA.encoderTargets.joined(separator: ","))
                c["lora-init"] = lora.initialization.rawValue
                if lora.capRank { c["cap-rank"] = "true" }  // absent when off: journals from before the option still resume
            } else {
                c["d"] = sizes
            }
        }
        return c
    }

    /// The keys of an encoder sweep's runs (see ``configuration(fullDimension:)``).
    private func encoderConfiguration(_ e: EncoderRunSpecification) -> [String: String] {
        let o = e.options, s = subspace
        return [
            "model": e.modelFolder, "dataset": e.dataset, "test-dataset": e.testDataset ?? "(the catalogued task's)",
            "text-column": e.columns.text, "text-pair-column": e.columns.textPair ?? "(none)", "label-column": e.columns.label ?? "(none)",
            "train-limit": e.trainLimit.map(String.init) ?? "(all)", "test-limit": e.testLimit.map(String.init) ?? "(all)",
            "max-length": String(o.maxLength), "epochs": String(o.epochs), "batch-size": String(o.batchSize),
            "lr": String(o.learningRate), "weight-decay": String(o.weightDecay), "warmup-ratio": String(o.warmupRatio),
            "beta1": String(o.beta1), "beta2": String(o.beta2), "epsilon": String(o.epsilon), "optimizer": "adamw",
            "projection": s.projection.rawValue, "projection-seed": s.projectionSeed.map(String.init) ?? "(the run's seed)",
            "per-tensor": String(s.perTensor), "said": String(s.said), "block-length": s.blockLength.map(String.init) ?? "(one block)",
            "wht": s.wht.rawValue, "seeds": String(plan.seeds), "first-seed": String(plan.firstSeed),
        ]
    }

    /// The keys of a built-in model's sweep (see ``configuration(fullDimension:)``).
    private var builtinConfiguration: [String: String] {
        let t = training, o = training.options, s = subspace
        return [
            "model": t.model.rawValue, "dataset": t.dataset, "classes": String(t.classes),
            "test-fraction": String(t.testFraction), "epochs": String(o.epochs), "batch-size": String(o.batchSize),
            "optimizer": o.optimizer.rawValue, "lr": String(o.learningRate), "momentum": String(o.momentum),
            "beta1": String(o.beta1), "beta2": String(o.beta2), "epsilon": String(o.epsilon), "l2": String(o.l2),
            "projection": s.projection.rawValue, "projection-seed": s.projectionSeed.map(String.init) ?? "(the run's seed)",
            "per-tensor": String(s.perTensor), "said": String(s.said), "block-length": s.blockLength.map(String.init) ?? "(one block)",
            "wht": s.wht.rawValue, "init": t.initCheckpoint ?? "(He-normal)", "seeds": String(plan.seeds),
            "first-seed": String(plan.firstSeed),
        ]
    }
}
