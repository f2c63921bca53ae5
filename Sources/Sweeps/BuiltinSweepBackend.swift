import Training

/// The runs of a sweep of a built-in model (fc, lenet): each one a ``TrainingSession`` run of
/// the sweep's ``Sweep/training`` specification with the run's subspace or LoRA rank and seed.
struct BuiltinSweepBackend: SweepBackend {
    let sweep: Sweep
    let session: TrainingSession

    init(_ sweep: Sweep) throws {
        self.sweep = sweep
        session = try TrainingSession(sweep.training, dataDirectory: sweep.dataDirectory, memoryBudget: sweep.memoryBudget,
                                      threads: sweep.threads)
    }

    var fullDimension: Int { session.model.layout.count }
    var tensorCount: Int { session.model.layout.entries.count }
    var epochs: Int { sweep.training.options.epochs }

    func checkSubspace(_ d: Int) throws { try session.checkSubspace(d) }

    func loraParameters(rank: Int) throws -> Int {
        let layout = session.model.layout
        return try sweep.lora!.specification(rank: rank, layout: layout).makeMap(for: layout, seed: 0, threads: 1).trainableParameters
    }

    func train(_ run: SweepRun, lora: Bool, learningRate: Float, into folder: String,
               onEpoch: (EpochRecord) -> Void) throws -> SweepRecord {
        var spec = sweep.training
        spec.subspace = run.isBaseline || lora ? nil : sweep.subspace.specification(d: run.d, seed: run.seed)
        spec.lora = lora ? sweep.lora!.specification(rank: run.d, layout: session.model.layout) : nil
        spec.options.seed = run.seed
        spec.options.learningRate = learningRate
        let result = try session.run(spec, command: sweep.command, arguments: sweep.arguments, into: folder, onEpoch: onEpoch)
        return SweepRecord(index: run.index, d: run.d, seed: run.seed,
                           projection: spec.subspace.map { $0.projection.rawValue } ?? "none",
                           status: result.status, bestTestAccuracy: result.bestTestAccuracy,
                           finalTestAccuracy: result.finalTestAccuracy, epochs: result.epochs.count, seconds: 0)
    }
}
