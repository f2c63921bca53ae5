import CheckpointIO
import Foundation
import Models
import Projections
import Reports
import Text
import Training

/// What fine-tuning runs of one encoder folder on one task share — the task read once, the
/// tokenizer, the model's shape — so a sweep reuses them across its runs;
/// ``run(_:command:arguments:into:onEpoch:)`` trains one run (``Training/EncoderTrainer``) and
/// writes its folder (``Reports/EncoderRunReport``: `metrics.csv` after every epoch, then
/// `predictions.csv`, `model.safetensors`, `config.json`, `theta_d.npy`/`projection.json` or
/// `adapter/`, and `run.json` last). `train --model DIR` runs through it too, so a sweep's run and
/// the `train` run of the same ``Training/EncoderRunSpecification`` make the same operations.
public struct EncoderSession {
    /// The specification the session was loaded for (its folder, task files, columns and limits count).
    public let specification: EncoderRunSpecification
    /// The task (labels in the recorded order).
    public let task: TextTask
    /// The folder's tokenizer.
    public let tokenizer: BertTokenizer
    /// The model (the folder's configuration with the task's labels).
    public let model: BertClassifier
    /// Head tensors the folder lacks (initialised from each run's seed).
    public let initializedTensors: [String]
    /// The most memory, in bytes, a dense or sparse P may hold.
    public let memoryBudget: Int
    /// Threads for the model's kernels and the Walsh–Hadamard transform (results do not depend on it).
    public let threads: Int

    /// Reads the task, the folder's weights (checked here, before any run) and its tokenizer.
    ///
    /// - Parameters:
    ///   - specification: the runs' folder, task, columns and limits (options and mode may differ run to run).
    ///   - dataDirectory: where `text/` (the catalogued tasks) lives.
    ///   - memoryBudget: bytes a dense or sparse P may hold (default 1 GiB).
    ///   - threads: kernel threads, ≥ 1.
    /// - Throws: ``Training/EncoderRunSpecification/task(dataDirectory:)``'s, ``Models/EncoderCheckpoint``'s
    ///   and ``Text/BertTokenizer``'s errors, naming the file.
    public init(_ specification: EncoderRunSpecification, dataDirectory: String, memoryBudget: Int = 1 << 30, threads: Int) throws {
        self.specification = specification
        task = try specification.task(dataDirectory: dataDirectory)
        let checkpoint = try EncoderCheckpoint.load(folder: specification.modelFolder, labels: task.labels, seed: specification.options.seed)
        model = checkpoint.model
        initializedTensors = checkpoint.initializedTensors
        tokenizer = try BertTokenizer(directory: specification.modelFolder)
        self.memoryBudget = memoryBudget
        self.threads = max(1, threads)
    }

    /// D, the model's parameter count.
    public var fullDimension: Int { model.layout.count }

    /// Checks a subspace dimension d against D before any run starts.
    ///
    /// - Throws: ``Training/TrainingError/invalidOption(_:_:)`` naming `d` unless 1 ≤ d ≤ D.
    public func checkSubspace(_ d: Int) throws(TrainingError) {
        guard d >= 1 else { throw TrainingError.invalidOption("d", "must be positive, got \(d)") }
        guard d <= fullDimension else {
            throw TrainingError.invalidOption("d", "d = \(d) exceeds D = \(fullDimension), the parameter count of \(specification.modelFolder)")
        }
    }

    /// The LoRA map of `lora` on this model, A drawn from `seed` (the classifier trained in full).
    ///
    /// - Throws: ``Training/RunSpecification/LoRA/makeEncoderMap(for:seed:threads:)``'s errors.
    public func loraMap(_ lora: RunSpecification.LoRA, seed: UInt64) throws(TrainingError) -> LoRAMap {
        try lora.makeEncoderMap(for: model, seed: seed, threads: threads)
    }

    /// Optimiser steps of a run with `options`: epochs · ⌈training examples / batch⌉.
    public func totalSteps(_ options: EncoderTrainingOptions) -> Int {
        options.epochs * ((task.train.count + options.batchSize - 1) / options.batchSize)
    }

    /// Trains one run, writing its files into `directory` (`metrics.csv` after every epoch).
    ///
    /// The weights are the folder's, with a head it lacks initialised from `spec.options.seed`;
    /// a subspace run's P and a LoRA run's A come from `spec` (their seeds).
    ///
    /// - Parameters:
    ///   - spec: the run; its folder, task, columns and limits must be this session's.
    ///   - command: the command recorded in `run.json`'s provenance (`train`, `sweep`).
    ///   - arguments: the command line recorded there.
    ///   - directory: the run's folder, created if needed.
    ///   - onEpoch: called after every epoch, once its metrics are written.
    /// - Returns: the run's result; a diverged run returns with status `.diverged`, its files
    ///   holding the run up to that point.
    /// - Throws: ``Training/TrainingError`` for invalid options, d or LoRA targets, checkpoint and
    ///   file-writing errors.
    public func run(_ spec: EncoderRunSpecification, command: String, arguments: [String], into directory: String,
                    onEpoch: (EncoderEpochRecord) -> Void = { _ in }) throws -> EncoderTrainingResult {
        precondition(spec.modelFolder == specification.modelFolder && spec.dataset == specification.dataset
                     && spec.testDataset == specification.testDataset && spec.columns == specification.columns
                     && spec.trainLimit == specification.trainLimit && spec.testLimit == specification.testLimit,
                     "EncoderSession.run: the run's folder or task is not the session's")
        let started = Date()
        let options = spec.options
        try options.validate()
        let checkpoint = try EncoderCheckpoint.load(folder: spec.modelFolder, labels: task.labels, seed: options.seed)
        var mode = TrainingMode.full
        var loraMap: LoRAMap?
        if let s = spec.subspace {
            try checkSubspace(s.d)
            mode = .subspace(try s.makeMap(for: model.layout, memoryBudget: memoryBudget, threads: threads))
        } else if let l = spec.lora {
            let map = try self.loraMap(l, seed: options.seed)
            loraMap = map
            mode = .lora(map)
        }
        let trainer = try EncoderTrainer(model: checkpoint.model, parameters: checkpoint.parameters, task: task,
                                         tokenizer: tokenizer, options: options, mode: mode, threads: threads)
        func report(_ seconds: Double) -> EncoderRunReport {
            let provenance = RunProvenance(command: command, arguments: arguments,
                                           inputs: ["model": .init(path: spec.modelFolder, files: []), "train": .init(path: task.train.path, files: []),
                                                    "test": .init(path: task.test.path, files: [])],
                                           options: ["mode": spec.modeName, "seed": String(options.seed), "threads": String(threads)],
                                           startedAt: started, seconds: seconds)
            return EncoderRunReport(model: checkpoint.model, options: options, task: task, modelFolder: spec.modelFolder,
                                    dataset: spec.dataset, initializedTensors: checkpoint.initializedTensors, threads: threads,
                                    subspace: spec.subspace, lora: spec.lora, loraMap: loraMap, provenance: provenance)
        }
        var records: [EncoderEpochRecord] = []
        let early = report(0)
        let result = try trainer.run { r in
            records.append(r)
            try early.writeMetrics(records, to: directory)
            onEpoch(r)
        }
        try report(Date().timeIntervalSince(started)).write(result, initialParameters: checkpoint.parameters,
                                                            schedule: trainer.schedule, to: directory)
        return result
    }
}
