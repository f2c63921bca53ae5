import Foundation
import IntrinsicDim

/// Loads what a training run needs (data, model, θ_D⁰, subspace map) once,
/// so a sweep reuses the data across runs.
struct RunSession {
    let model: any Model
    let train: Dataset
    let test: Dataset
    let memoryBudget: Int
    let threads: Int
    /// The `--init` checkpoint's θ_D⁰, when given.
    let initial: [Float]?

    init(_ args: TrainingArguments) throws {
        let (train, test) = try DatasetCatalog.load(args.dataset, dataDirectory: args.dataDirectory, classCount: args.classes,
                                                    testFraction: args.testFraction, splitSeed: 0)
        let model = try args.model.make(inputFeatures: train.features, classes: args.classes)
        self.model = model
        self.train = train
        self.test = test
        memoryBudget = args.memoryBudget.bytes
        threads = args.threads
        initial = try args.initCheckpoint.map { try ModelCheckpoint.load($0, layout: model.layout) }
    }

    /// Checks d against D before any run starts.
    func checkSubspace(_ d: Int) throws {
        guard d >= 1 else { throw TrainingError.invalidOption("d", "must be positive, got \(d)") }
        guard d <= model.layout.count else {
            throw TrainingError.invalidOption("d", "d = \(d) exceeds D = \(model.layout.count), the \(model.kind.rawValue) model's parameter count")
        }
    }

    /// Trains one run, writing its files into `directory` (metrics.csv after every epoch).
    func run(_ spec: RunSpecification, command: String, arguments: [String], into directory: String,
             onEpoch: (EpochRecord) -> Void) throws -> TrainingResult {
        let started = Date()
        let trainer = try Trainer(model: model, train: train, test: test, options: spec.options, threads: threads)
        var mode = TrainingMode.full
        var descriptor: ProjectionDescriptor? = nil
        var lora: LoRAMap? = nil
        if let s = spec.subspace {
            try checkSubspace(s.d)
            mode = .subspace(try s.makeMap(for: model.layout, memoryBudget: memoryBudget, threads: threads))
            descriptor = s.descriptor(for: model.layout)
        } else if let l = spec.lora {
            let map = try l.makeMap(for: model.layout, seed: spec.options.seed, threads: threads)
            mode = .lora(map)
            lora = map
        }
        func report(_ seconds: Double) -> TrainingRunReport {
            var inputs: [String: RunProvenance.Input] = [:]
            if let i = spec.initCheckpoint { inputs["init"] = .init(path: i, files: []) }
            let provenance = RunProvenance(command: command, arguments: arguments, inputs: inputs,
                                           options: ["threads": String(threads), "memory_budget": String(memoryBudget),
                                                     "train_examples": String(train.count), "test_examples": String(test.count)],
                                           startedAt: started, seconds: seconds)
            return TrainingRunReport(specification: spec, layout: model.layout, projection: descriptor, lora: lora,
                                     provenance: provenance)
        }
        var records: [EpochRecord] = []
        let result = try trainer.run(mode: mode, initialParameters: initial) { record in
            records.append(record)
            try report(record.seconds).writeMetrics(records, to: directory)
            onEpoch(record)
        }
        try report(Date().timeIntervalSince(started)).write(result, to: directory)
        return result
    }
}
