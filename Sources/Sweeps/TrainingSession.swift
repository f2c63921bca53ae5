import Models
import CheckpointIO
import Foundation
import Projections
import Reports
import Training

/// What a training run needs besides its specification — data, model, θ_D⁰ — loaded once, so a
/// sweep reuses them across its runs; ``run(_:command:arguments:into:onEpoch:)`` trains one run and
/// writes its folder (`metrics.csv` after every epoch, then `run.json`, `model.safetensors`, and a
/// subspace run's `theta_d.npy`/`projection.json` or a LoRA run's `adapter/`; see ``TrainingRunReport``).
public struct TrainingSession {
    /// The model of the specification's architecture, sized to the data.
    public let model: any Model
    /// The training split.
    public let train: Dataset
    /// The test split.
    public let test: Dataset
    /// The most memory, in bytes, a dense or sparse P may hold.
    public let memoryBudget: Int
    /// Threads for BLAS and the Walsh–Hadamard transform (results do not depend on it).
    public let threads: Int
    /// The `initCheckpoint`'s θ_D⁰ (layout order), when the specification names one.
    public let initial: [Float]?

    /// Loads the data, builds the model and reads θ_D⁰ for runs like `specification`: its model,
    /// dataset, classes, test fraction and init checkpoint count; its subspace, LoRA and options
    /// may differ from run to run.
    ///
    /// - Parameters:
    ///   - dataDirectory: where `mnist/` and `fashion-mnist/` live (``DatasetCatalog``).
    ///   - memoryBudget: bytes a dense or sparse P may hold (default 1 GiB).
    ///   - threads: BLAS and WHT threads, ≥ 1.
    /// - Throws: the ``DatasetCatalog``, ``ModelKind/make(inputFeatures:classes:)`` and
    ///   ``ModelCheckpoint`` errors, naming the file.
    public init(_ specification: RunSpecification, dataDirectory: String, memoryBudget: Int = 1 << 30, threads: Int) throws {
        let (train, test) = try DatasetCatalog.load(specification.dataset, dataDirectory: dataDirectory,
                                                    classCount: specification.classes,
                                                    testFraction: specification.testFraction, splitSeed: 0)
        let model = try specification.model.make(inputFeatures: train.features, classes: specification.classes)
        self.model = model
        self.train = train
        self.test = test
        self.memoryBudget = memoryBudget
        self.threads = threads
        initial = try specification.initCheckpoint.map { try ModelCheckpoint.load($0, layout: model.layout) }
    }

    /// Checks a subspace dimension d against the model's D before any run starts.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `d` unless 1 ≤ d ≤ D.
    public func checkSubspace(_ d: Int) throws(TrainingError) {
        guard d >= 1 else { throw TrainingError.invalidOption("d", "must be positive, got \(d)") }
        guard d <= model.layout.count else {
            throw TrainingError.invalidOption("d", "d = \(d) exceeds D = \(model.layout.count), the \(model.kind.rawValue) model's parameter count")
        }
    }

    /// Trains one run, writing its files into `directory` (`metrics.csv` after every epoch).
    ///
    /// - Parameters:
    ///   - spec: the run (full, subspace or LoRA; its model and data must be this session's).
    ///   - command: the command recorded in `run.json`'s provenance (`train`, `sweep`).
    ///   - arguments: the command line recorded there.
    ///   - directory: the run's folder, created if needed.
    ///   - onEpoch: called after every epoch, once its metrics are written.
    /// - Returns: the run's result; a diverged run returns with status `.diverged`, its files
    ///   holding the run up to that point.
    /// - Throws: ``TrainingError`` for an invalid d or LoRA target, and file-writing errors.
    public func run(_ spec: RunSpecification, command: String, arguments: [String], into directory: String,
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
