import Training

/// The runs of a sweep of an encoder folder: each one an ``EncoderSession`` run of the sweep's
/// ``Sweep/encoder`` specification with the run's seed and learning rate, and its subspace
/// (``Sweep/subspace`` at d) or LoRA rank (``Sweep/lora``; targets default to PEFT's
/// `query,value`). Records carry macro-F1 and the majority-class floor.
struct EncoderSweepBackend: SweepBackend {
    let sweep: Sweep
    let specification: EncoderRunSpecification
    let session: EncoderSession

    init(_ sweep: Sweep, specification: EncoderRunSpecification) throws {
        self.sweep = sweep
        self.specification = specification
        try specification.options.validate()
        session = try EncoderSession(specification, dataDirectory: sweep.dataDirectory, memoryBudget: sweep.memoryBudget,
                                     threads: sweep.threads)
    }

    var fullDimension: Int { session.fullDimension }
    var tensorCount: Int { session.model.layout.entries.count }
    var epochs: Int { specification.options.epochs }

    func checkSubspace(_ d: Int) throws { try session.checkSubspace(d) }

    /// The LoRA configuration of rank `rank`.
    func lora(rank: Int) -> RunSpecification.LoRA {
        let l = sweep.lora!
        return RunSpecification.LoRA(rank: rank, alpha: l.alpha, useRSLoRA: l.useRSLoRA, targets: l.targets ?? Sweep.LoRA.encoderTargets,
                                     initialization: l.initialization, capRank: l.capRank)
    }

    func loraParameters(rank: Int) throws -> Int { try session.loraMap(lora(rank: rank), seed: 0).trainableParameters }

    /// The specification of `run`.
    func specification(_ run: SweepRun, lora isLoRA: Bool, learningRate: Float) -> EncoderRunSpecification {
        var spec = specification
        spec.subspace = run.isBaseline || isLoRA ? nil : sweep.subspace.specification(d: run.d, seed: run.seed)
        spec.lora = isLoRA ? lora(rank: run.d) : nil
        spec.options.seed = run.seed
        spec.options.learningRate = learningRate
        return spec
    }

    func train(_ run: SweepRun, lora isLoRA: Bool, learningRate: Float, into folder: String,
               onEpoch: (EpochRecord) -> Void) throws -> SweepRecord {
        let spec = specification(run, lora: isLoRA, learningRate: learningRate)
        let result = try session.run(spec, command: sweep.command, arguments: sweep.arguments, into: folder) { r in
            onEpoch(EpochRecord(epoch: r.epoch, step: r.step, trainLoss: r.trainLoss, trainAccuracy: r.trainAccuracy,
                                testLoss: r.testLoss, testAccuracy: r.testAccuracy, seconds: r.seconds))
        }
        var record = SweepRecord(index: run.index, d: run.d, seed: run.seed,
                                 projection: spec.subspace.map { $0.projection.rawValue } ?? "none",
                                 status: result.status, bestTestAccuracy: result.bestTestAccuracy,
                                 finalTestAccuracy: result.finalTestAccuracy, epochs: result.epochs.count, seconds: 0)
        record.finalTestMacroF1 = result.epochs.isEmpty ? nil : result.finalTestMacroF1
        record.bestTestMacroF1 = result.epochs.map(\.testMacroF1).max()
        record.majorityTestAccuracy = session.task.majorityTestAccuracy
        return record
    }
}
