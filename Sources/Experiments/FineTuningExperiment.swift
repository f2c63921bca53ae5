import Models
import CheckpointIO
import Foundation
import LinearAlgebra
import RankAnalysis
import Reports
import Sweeps
import Training

/// `experiment finetune` as a library call: from one pretrained base, d_int90 of fine-tuning (a
/// Fastfood subspace sweep), LoRA's r_int90 (a rank sweep) and the rank of the full fine-tune's
/// ΔW, each part in its own sub-folder of ``Options/directory``:
///
/// - `pretrain/`: full training on ``Options/pretrain`` (kept when it already finished);
/// - `subspace/`: a ``Sweep`` over ``Options/dimensions`` on ``Options/task`` with θ_D⁰ = the base;
///   its baselines are the full fine-tunes, one per seed;
/// - `lora/`: a LoRA ``Sweep`` over ``Options/ranks`` from the base (a target smaller than r gets
///   rank min(out, in)); both sweeps run the same, bit-identical, full fine-tunes;
/// - `rank/seed<s>/`: ``RankAnalyzer`` of ΔW_full = full fine-tune − base;
/// - `compare/r<r>-seed<s>/`: each LoRA adapter against the full fine-tune of its seed, and
///   `compare/…-vs-…`: two seeds at the largest rank, the smallest rank against the largest,
///   r = 8 against r = 64 when both are swept;
/// - `extract/seed<s>/r<r>/` and `energy<e>/`: ``LoRAExtractor`` from each full fine-tune at
///   every rank and at ``Options/extractEnergy``, merged into `merged.safetensors` and evaluated;
/// - `experiment.csv` and `experiment.json` (``FineTuningExperimentReport``).
///
/// With ``Options/encoder`` (a Hugging Face BERT folder, ``Options/init(encoder:directory:)``) the
/// folder is the base and there is no `pretrain/`: `subspace/` is a SAID ``Sweep`` of encoder runs
/// (over ``Options/subspaceLearningRates`` when given), `lora/` a LoRA sweep on `query,value`
/// (``Options/targets``), `rank/`, `compare/` and `extract/` pair the run folders with the bare
/// base across the `bert.` prefix, each extraction is evaluated as the base with its W₀ + B·A and
/// the run's classifier, and the summary adds macro-F1 and the majority-class floor.
///
/// Calling ``run(progress:)`` again resumes: a finished pretraining is kept and the sweeps resume
/// from their journals. With ``Options/shard`` only that shard of both sweeps runs, into
/// `shards/k-of-N/`; a later call without a shard merges the shards and summarises.
///
/// ```swift
/// var options = FineTuningExperiment.Options(pretrain: "fashion-mnist", task: "mnist", directory: "out/e")
/// options.dimensions = [400, 1600]; options.ranks = [1, 4]
/// if case let .finished(report) = try FineTuningExperiment(options).run() {
///     print(report.dInt90 as Any, report.rInt90 as Any)
/// }
/// ```
public struct FineTuningExperiment: Sendable {
    /// What the experiment runs; the defaults are `experiment finetune`'s.
    public struct Options: Sendable, Hashable {
        /// The architecture.
        public var model: ModelKind = .fc
        /// The pretraining task: `mnist`, `fashion-mnist` or an `.npz` path.
        public var pretrain: String
        /// The fine-tuning task.
        public var task: String
        /// Where `mnist/` and `fashion-mnist/` live (``DatasetCatalog``).
        public var dataDirectory: String = "data"
        /// The model's outputs.
        public var classes: Int = 10
        /// The subspace dimensions d of the subspace sweep, as given (the sweep sorts them).
        public var dimensions: [Int] = [100, 200, 400, 800, 1600]
        /// The LoRA ranks of the LoRA sweep and the extractions, as given.
        public var ranks: [Int] = [1, 2, 4, 8]
        /// The LoRA targets (`nil`: every weight).
        public var targets: [String]? = nil
        /// Seeds per size (and full fine-tunes).
        public var seeds: Int = 2
        /// Pretraining epochs.
        public var pretrainEpochs: Int = 5
        /// Fine-tuning epochs (full, subspace and LoRA).
        public var epochs: Int = 5
        /// The learning rate of pretraining and of the full fine-tunes.
        public var learningRate: Float = 1e-3
        /// The learning rate of the subspace runs (`nil`: ``learningRate``).
        public var subspaceLearningRate: Float? = nil
        /// The learning rate of the LoRA runs (`nil`: ``learningRate``).
        public var loraLearningRate: Float? = nil
        /// The fraction of the full fine-tunes' mean accuracy that d_int90 and r_int90 reach.
        public var threshold: Double = 0.9
        /// Besides every rank, extract factors keeping this fraction of each ΔW_full's energy, in (0, 1].
        public var extractEnergy: Double = 0.9
        /// Threads (results do not depend on it).
        public var threads: Int = 1
        /// Fastfood's Walsh–Hadamard kernel in the subspace sweep.
        public var wht: WalshHadamard.Implementation = .native
        /// Run only this shard of both sweeps (into `shards/k-of-N/`), without the summary.
        public var shard: SweepShard? = nil
        /// The output directory.
        public var directory: String
        /// The command recorded in the provenance of every part.
        public var command: String = "experiment finetune"
        /// The command line recorded there.
        public var arguments: [String] = CommandLine.arguments
        /// The learning rates of the subspace sweep (every (d, lr, seed) a run, each d at its
        /// best-mean rate, ``SweepPlan/learningRates``); `[]`: ``subspaceLearningRate`` alone.
        public var subspaceLearningRates: [Float] = []
        /// Non-`nil` for an experiment on a Hugging Face encoder folder (`--model DIR`): the folder
        /// is the base (no pretraining), the task and its files, columns and limits, and the
        /// encoder options (`maxLength`, `weightDecay`, `warmupRatio`, `batchSize`, β, ε) every run
        /// shares; its `options.epochs`, `options.learningRate` and `options.seed` are replaced by
        /// ``epochs``, each sweep's rate and each run's seed. ``pretrain``, ``pretrainEpochs``,
        /// ``classes`` and ``dataDirectory``'s `mnist/` are then unused (the task is read from
        /// `dataDirectory/text` when catalogued).
        public var encoder: EncoderRunSpecification? = nil

        /// The defaults, with the two tasks and the output directory.
        public init(pretrain: String, task: String, directory: String) {
            self.pretrain = pretrain
            self.task = task
            self.directory = directory
        }

        /// The defaults of an encoder experiment on `encoder` (its folder is the base, its
        /// dataset the task) into `directory`: full fine-tunes at 1e-4, SAID subspaces at 1e-2,
        /// LoRA at 3e-3 (the `train --model DIR` defaults), d ∈ {250, 500, 1000, 2000} (SAID's d
        /// must exceed the tensor count, ~100 for MiniLM), ranks {1, 2, 4, 8} on `query,value`,
        /// ``epochs`` = `encoder.options.epochs`.
        public init(encoder: EncoderRunSpecification, directory: String) {
            self.init(pretrain: "", task: encoder.dataset, directory: directory)
            self.encoder = encoder
            dimensions = [250, 500, 1000, 2000]
            epochs = encoder.options.epochs
            learningRate = 1e-4
            subspaceLearningRate = 1e-2
            loraLearningRate = 3e-3
        }

        /// Checks the options' ranges before anything runs.
        ///
        /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming the option.
        public func validate() throws(TrainingError) {
            for (name, value) in [("seeds", seeds), ("epochs", epochs), ("pretrain-epochs", pretrainEpochs), ("threads", threads)] where value < 1 {
                throw .invalidOption(name, "must be at least 1, got \(value)")
            }
            guard classes >= 2 else { throw .invalidOption("classes", "must be at least 2, got \(classes)") }
            guard threshold > 0, threshold <= 1 else { throw .invalidOption("threshold", "must be in (0, 1], got \(threshold)") }
            guard extractEnergy > 0, extractEnergy <= 1 else { throw .invalidOption("extract-energy", "must be in (0, 1], got \(extractEnergy)") }
            for (name, sizes) in [("d", dimensions), ("ranks", ranks)] {
                guard !sizes.isEmpty else { throw .invalidOption(name, "give at least one size") }
                if let bad = sizes.first(where: { $0 <= 0 }) { throw .invalidOption(name, "values must be positive, got \(bad)") }
            }
            for (name, lr) in [("lr", learningRate), ("subspace-lr", subspaceLearningRate ?? learningRate), ("lora-lr", loraLearningRate ?? learningRate)]
                + subspaceLearningRates.map({ ("subspace-lrs", $0) }) {
                guard lr > 0, lr.isFinite else { throw .invalidOption(name, "must be positive, got \(lr)") }
            }
            if let e = encoder {
                var o = e.options
                o.epochs = epochs
                o.learningRate = learningRate
                try o.validate()
                if let limit = e.trainLimit, limit < 1 { throw .invalidOption("train-limit", "must be at least 1, got \(limit)") }
                if let limit = e.testLimit, limit < 1 { throw .invalidOption("test-limit", "must be at least 1, got \(limit)") }
            }
        }
    }

    /// How a call ended.
    public enum Outcome: Sendable {
        /// Only a shard ran: its sweeps are in this directory (`shards/k-of-N/`); no summary is written.
        case shard(SweepShard, directory: String)
        /// Everything ran; `experiment.csv` and `experiment.json` hold this report.
        case finished(FineTuningExperimentReport)
    }

    /// The options.
    public let options: Options

    /// An experiment with `options`; nothing runs until ``run(progress:)``.
    public init(_ options: Options) { self.options = options }

    func path(_ parts: String...) -> String { ([options.directory] + parts).joined(separator: "/") }

    /// Runs (or resumes) the experiment.
    ///
    /// - Parameter progress: called on the calling thread as the parts start and advance.
    /// - Returns: ``Outcome/shard(_:directory:)`` after a shard, else the summary.
    /// - Throws: ``TrainingError`` for invalid options and journals of other sweeps,
    ///   ``FineTuningExperimentError`` when pretraining diverges, and the parts' file and
    ///   analysis errors, each naming its file or tensor.
    public func run(progress: (FineTuningExperimentProgress) -> Void = { _ in }) throws -> Outcome {
        let o = options
        try o.validate()
        let started = Date()
        try ReportDirectory.create(o.directory)
        // 1. The base: an encoder folder as it is, else pretrained here.
        let baseModel: String
        if let e = o.encoder {
            baseModel = e.modelFolder
            progress(.encoderBase(folder: e.modelFolder))
        } else {
            baseModel = try pretrainedBase(progress: progress)
        }
        // 2. The sweeps; their baselines are the full fine-tunes from the base.
        if let shard = o.shard {
            for (name, sweep) in sweeps(baseModel: baseModel) {
                var sharded = sweep
                sharded.plan.shard = shard
                sharded.directory = path("shards", "\(shard.k)-of-\(shard.n)", name)
                progress(.sweepFinished(name, try sharded.run { progress(.sweep(name, $0)) }))
            }
            return .shard(shard, directory: path("shards", "\(shard.k)-of-\(shard.n)"))
        }
        let all = sweeps(baseModel: baseModel)
        for (k, (name, sweep)) in all.enumerated() {
            try mergeShards(of: name, progress: progress)
            if k > 0, let count = try reuseBaselines(from: all[0].1, into: sweep) {
                progress(.reusedBaselines(sweep: name, from: all[0].0, count: count))
            }
            // Resumes: after a merge only the runs no shard finished are made.
            progress(.sweepFinished(name, try sweep.run { progress(.sweep(name, $0)) }))
        }
        // 3. rank and compare, and the summary.
        progress(.summarising)
        if let e = o.encoder { return .finished(try summariseEncoder(e, started: started)) }
        return .finished(try summarise(baseModel: baseModel, started: started))
    }

    /// `pretrain/model.safetensors`, trained first unless a finished run is there.
    func pretrainedBase(progress: (FineTuningExperimentProgress) -> Void) throws -> String {
        let o = options
        let base = path("pretrain")
        if !FileManager.default.fileExists(atPath: base + "/run.json") {
            // A shard trains into its own folder and renames it into place: shards started together
            // each train the same (deterministic) base, and the first rename wins.
            let into = o.shard.map { base + ".shard-\($0.k)-of-\($0.n)" } ?? base
            progress(.pretraining(dataset: o.pretrain, directory: base))
            try pretrain(into: into, progress: progress)
            if into != base, (try? FileManager.default.moveItem(atPath: into, toPath: base)) == nil {
                try? FileManager.default.removeItem(atPath: into)
                guard FileManager.default.fileExists(atPath: base + "/run.json") else {
                    throw FineTuningExperimentError.baseNotMoved(base: base, from: into)
                }
            }
        } else {
            progress(.keepingBase(directory: base))
        }
        return base + "/model.safetensors"
    }

    /// Full training on the pretraining task into `directory`.
    func pretrain(into directory: String, progress: (FineTuningExperimentProgress) -> Void) throws {
        let o = options
        var training = TrainingOptions()
        training.epochs = o.pretrainEpochs
        training.learningRate = o.learningRate
        let spec = RunSpecification(model: o.model, dataset: o.pretrain, classes: o.classes, options: training)
        let session = try TrainingSession(spec, dataDirectory: o.dataDirectory, threads: o.threads)
        let result = try session.run(spec, command: "train", arguments: o.arguments, into: directory) { r in
            progress(.pretrainingEpoch(r, epochs: o.pretrainEpochs))
        }
        if result.status == .diverged {
            throw FineTuningExperimentError.pretrainingDiverged(directory: directory, result.divergence ?? "")
        }
        progress(.pretrained(finalTestAccuracy: result.finalTestAccuracy))
    }

    /// The two sweeps, `subspace` and `lora`, unsharded into their folders. Both run the same full
    /// fine-tunes (the baseline learning rate is ``Options/learningRate``): deterministic, so bit-identical.
    func sweeps(baseModel: String) -> [(String, Sweep)] {
        let o = options
        if let e = o.encoder { return encoderSweeps(e) }
        func sweep(_ name: String, sizes: [Int], learningRate: Float) -> Sweep {
            var training = TrainingOptions()
            training.epochs = o.epochs
            training.learningRate = learningRate
            let spec = RunSpecification(model: o.model, dataset: o.task, classes: o.classes, initCheckpoint: baseModel, options: training)
            var s = Sweep(plan: SweepPlan(dimensions: sizes, seeds: o.seeds), training: spec, directory: path(name),
                          dataDirectory: o.dataDirectory, threads: o.threads)
            s.baselineLearningRate = o.learningRate
            s.arguments = o.arguments
            return s
        }
        var subspace = sweep("subspace", sizes: o.dimensions, learningRate: o.subspaceLearningRate ?? o.learningRate)
        subspace.plan.learningRates = o.subspaceLearningRates
        subspace.subspace = Sweep.Subspace(projection: .fastfood, wht: o.wht)
        var lora = sweep("lora", sizes: o.ranks, learningRate: o.loraLearningRate ?? o.learningRate)
        lora.lora = Sweep.LoRA(targets: o.targets, capRank: true)
        return [("subspace", subspace), ("lora", lora)]
    }

    /// The later sweep's full fine-tunes are the first sweep's (the same options, seeds and plan
    /// positions: deterministic, so bit-identical): when `target` has no journal yet, the first
    /// sweep's baseline run folders are copied into `target/runs/` and their records begin
    /// `target`'s journal, so ``Sweep/run(progress:)`` skips them instead of training them again.
    /// Returns how many were copied (`nil`: none, the target trains its own).
    func reuseBaselines(from source: Sweep, into target: Sweep) throws -> Int? {
        let fm = FileManager.default
        let journalPath = (target.directory as NSString).appendingPathComponent("journal.jsonl")
        guard !fm.fileExists(atPath: journalPath), target.plan.seeds == source.plan.seeds,
              target.plan.firstSeed == source.plan.firstSeed, !source.plan.isSearch, !target.plan.isSearch,
              let journal = try? SweepJournal.read((source.directory as NSString).appendingPathComponent("journal.jsonl")) else { return nil }
        let baselines = journal.records.filter { $0.d == 0 && $0.status == .ok }.sorted { $0.index < $1.index }
        let planned = target.plan.runs.filter(\.isBaseline)
        guard baselines.count == planned.count, zip(baselines, planned).allSatisfy({ $0.index == $1.index && $0.seed == $1.seed }),
              let D = baselines.first?.trainableParameters else { return nil }
        try ReportDirectory.create((target.directory as NSString).appendingPathComponent("runs"))
        var copy = try SweepJournal.open(journalPath, configuration: target.configuration(fullDimension: D))
        for record in baselines {
            let name = record.directoryName(learningRateSwept: false)
            let from = (source.directory as NSString).appendingPathComponent("runs/" + name)
            let to = (target.directory as NSString).appendingPathComponent("runs/" + name)
            try? fm.removeItem(atPath: to)
            try fm.copyItem(atPath: from, toPath: to)
            try copy.append(record)
        }
        return baselines.count
    }

    /// ``SweepMerge`` of `shards/*/<name>` into `<name>`, when shards ran and `<name>` has no journal yet.
    func mergeShards(of name: String, progress: (FineTuningExperimentProgress) -> Void) throws {
        let shardRoot = path("shards")
        guard let shardDirs = try? FileManager.default.contentsOfDirectory(atPath: shardRoot) else { return }
        let parts = shardDirs.sorted().map { path("shards", $0, name) }
            .filter { FileManager.default.fileExists(atPath: $0 + "/journal.jsonl") }
        guard !parts.isEmpty else { return }
        guard !FileManager.default.fileExists(atPath: path(name, "journal.jsonl")) else {
            progress(.shardsAlreadyMerged(directory: path(name), shards: shardRoot))
            return
        }
        progress(.mergingShards(sweep: name, count: parts.count))
        _ = try SweepMerge(parts, into: path(name)).run()
    }
}
