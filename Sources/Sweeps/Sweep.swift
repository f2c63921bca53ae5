import Models
import Foundation
import LinearAlgebra
import Projections
import Reports
import Training

/// A sweep of the subspace dimension d (or of the LoRA rank r) into one directory, as a library
/// call: the full-training baselines and every (size, seed) of the ``plan``, each trained into
/// `runs/<d…|r…|full>-seed…/` (a ``TrainingSession`` run folder), with `journal.jsonl`
/// (``SweepJournal``), `sweep.csv` and `d_int90.json` (``SweepReport``) rewritten after every run.
///
/// A sweep of an encoder folder (``encoder``, `sweep --model DIR`) makes each run an
/// ``EncoderSession`` run (`train --model DIR`): SAID or per-tensor subspaces, LoRA on PEFT keys,
/// full fine-tunes as baselines; its records add macro-F1 and the majority-class floor. With
/// ``SweepPlan/learningRates`` every (size, learning rate, seed) is a run, in
/// `runs/d…-lr…-seed…/`, and ``DInt90Estimator`` uses each size's best rate.
///
/// ``run(progress:)`` resumes: runs already in the journal are skipped and an interrupted one is
/// redone, so calling it again after a crash or kill gives the uninterrupted result. A journal
/// written by a sweep of another ``configuration(fullDimension:)`` is refused.
///
/// ```swift
/// var base = RunSpecification(model: .fc, dataset: "mnist", options: TrainingOptions())
/// base.options.epochs = 3
/// let sweep = Sweep(plan: SweepPlan(dimensions: [300, 750, 1500], seeds: 2), training: base,
///                   directory: "out/sweep", dataDirectory: "data", threads: 2)
/// let report = try sweep.run { event in if case let .finished(run, record) = event { print(run.label, record.finalTestAccuracy) } }
/// print(report.estimate.dInt90 as Any)
/// ```
public struct Sweep: Sendable {
    /// How a subspace sweep builds each run's P (every run of the sweep shares these).
    public struct Subspace: Sendable, Hashable {
        /// dense, sparse or fastfood.
        public var projection: ProjectionDescriptor.Kind
        /// The seed of P's streams; `nil`: each run's own seed.
        public var projectionSeed: UInt64?
        /// One P per tensor, each normalised over its own rows.
        public var perTensor: Bool
        /// SAID: per-tensor P plus one trained scale per tensor, counted in d.
        public var said: Bool
        /// Fastfood's stacked block length L' (a power of two ≥ d), or `nil` for one block.
        public var blockLength: Int?
        /// Fastfood's Walsh–Hadamard kernel.
        public var wht: WalshHadamard.Implementation

        /// A subspace construction; the defaults are one Fastfood P per run, seeded by the run.
        public init(projection: ProjectionDescriptor.Kind = .fastfood, projectionSeed: UInt64? = nil, perTensor: Bool = false,
                    said: Bool = false, blockLength: Int? = nil, wht: WalshHadamard.Implementation = .native) {
            self.projection = projection
            self.projectionSeed = projectionSeed
            self.perTensor = perTensor
            self.said = said
            self.blockLength = blockLength
            self.wht = wht
        }

        /// The construction of the run at dimension `d` with seed `seed`.
        public func specification(d: Int, seed: UInt64) -> RunSpecification.Subspace {
            RunSpecification.Subspace(projection: projection, d: d, projectionSeed: projectionSeed ?? seed, perTensor: perTensor,
                                      said: said, blockLength: blockLength, wht: wht)
        }
    }

    /// How a LoRA sweep adapts the model at each rank r of its plan.
    public struct LoRA: Sendable, Hashable {
        /// α (`nil`: r, so s = 1).
        public var alpha: Double?
        /// rsLoRA: s = α/√r instead of α/r.
        public var useRSLoRA: Bool
        /// The adapted modules (`fc1`, `conv1`, …); `nil`: every weight of the model.
        public var targets: [String]?
        /// How A is drawn.
        public var initialization: LoRAMap.Initialization
        /// A target smaller than r gets rank min(out, in), keeping s, instead of an error.
        public var capRank: Bool

        /// A LoRA configuration; the defaults are PEFT's (α = r, Kaiming A, every weight).
        public init(alpha: Double? = nil, useRSLoRA: Bool = false, targets: [String]? = nil,
                    initialization: LoRAMap.Initialization = .kaiming, capRank: Bool = false) {
            self.alpha = alpha
            self.useRSLoRA = useRSLoRA
            self.targets = targets
            self.initialization = initialization
            self.capRank = capRank
        }

        /// The targets of an encoder sweep without ``targets``: PEFT's default for BERT.
        public static let encoderTargets = ["query", "value"]

        /// The configuration of rank `rank` on a model of layout `layout`.
        public func specification(rank: Int, layout: ParameterLayout) -> RunSpecification.LoRA {
            RunSpecification.LoRA(rank: rank, alpha: alpha, useRSLoRA: useRSLoRA, targets: targets ?? LoRAMap.weightModules(of: layout),
                                  initialization: initialization, capRank: capRank)
        }
    }

    /// Which runs are made: sizes, seeds, shard.
    public var plan: SweepPlan
    /// What every run of a built-in model shares: model, dataset, classes, test fraction, θ_D⁰
    /// checkpoint and the hyper-parameters (its `subspace`, `lora`, `options.seed` and
    /// `options.learningRate` are set per run). Unused when ``encoder`` is set.
    public var training: RunSpecification
    /// Non-`nil` for a sweep of an encoder folder: what every run shares — the folder, the task
    /// (files, columns, limits) and the options (`--max-length`, `--weight-decay`, …); its
    /// `subspace`, `lora`, `options.seed` and `options.learningRate` are set per run. Each run is
    /// an ``EncoderSession`` run (the same as `train --model DIR`) in `runs/<run>/`.
    public var encoder: EncoderRunSpecification? = nil
    /// The subspace construction (recorded in the journal of a LoRA sweep too).
    public var subspace: Sweep.Subspace = Sweep.Subspace()
    /// Non-`nil` for a LoRA sweep: the plan's sizes are ranks r and each run trains LoRA factors.
    public var lora: Sweep.LoRA? = nil
    /// The learning rate of the full-training baselines (`nil`: the runs' own, ``runLearningRate``).
    public var baselineLearningRate: Float? = nil
    /// How `d_int90.json` summarises the records.
    public var summary: SweepSummaryOptions = SweepSummaryOptions()
    /// The sweep directory.
    public var directory: String
    /// Where `mnist/` and `fashion-mnist/` live (``DatasetCatalog``).
    public var dataDirectory: String
    /// Bytes a dense or sparse P may hold.
    public var memoryBudget: Int = 1 << 30
    /// BLAS and WHT threads (results do not depend on it).
    public var threads: Int
    /// The command recorded in each run's provenance.
    public var command: String = "sweep"
    /// The command line recorded in each run's provenance.
    public var arguments: [String] = CommandLine.arguments

    /// A sweep of `plan` with runs like `training` into `directory`; nothing runs until ``run(progress:)``.
    public init(plan: SweepPlan, training: RunSpecification, directory: String, dataDirectory: String = "data", threads: Int = 1) {
        self.plan = plan
        self.training = training
        self.directory = directory
        self.dataDirectory = dataDirectory
        self.threads = threads
    }

    /// A sweep of `plan` of the encoder runs `encoder` into `directory` (catalogued tasks read from
    /// `dataDirectory/text`); nothing runs until ``run(progress:)``.
    public init(plan: SweepPlan, encoder: EncoderRunSpecification, directory: String, dataDirectory: String = "data", threads: Int = 1) {
        self.init(plan: plan, training: RunSpecification(model: .fc, dataset: encoder.dataset, options: TrainingOptions()),
                  directory: directory, dataDirectory: dataDirectory, threads: threads)
        self.encoder = encoder
    }

    /// Whether this is a LoRA sweep.
    public var isLoRA: Bool { lora != nil }

    /// Checks d against D and, for SAID, against the tensor count (d counts the per-tensor scales).
    private func checkSubspace(_ d: Int, _ backend: any SweepBackend) throws {
        try backend.checkSubspace(d)
        if subspace.said, d <= backend.tensorCount {
            throw TrainingError.invalidOption("d", "SAID's d = \(d) must exceed its \(backend.tensorCount) per-tensor scales (one per tensor of the model)")
        }
    }

    /// The learning rate of the subspace (or LoRA) runs without a list of rates (and of the
    /// baselines without ``baselineLearningRate``): the specification's.
    public var runLearningRate: Float { encoder?.options.learningRate ?? training.options.learningRate }

    /// Checks the plan against the mode before anything is loaded.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming the option: seeds < 1, an empty
    ///   or non-positive size list, a sharded or LoRA search, a search start < 1 or a resolution
    ///   outside (0, 1), and the summary's ranges.
    public func validate() throws(TrainingError) {
        guard plan.seeds >= 1 else { throw .invalidOption("seeds", "must be at least 1, got \(plan.seeds)") }
        try summary.validate()
        if let bad = plan.learningRates.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw .invalidOption("lrs", "learning rates must be positive and finite, got \(bad)")
        }
        if !plan.learningRates.isEmpty, plan.isSearch {
            throw .invalidOption("lrs", "a --search runs one learning rate; sweep a --d list with --lrs instead")
        }
        let option = isLoRA ? "ranks" : "d"
        switch plan.sizes {
        case let .grid(ds):
            guard !ds.isEmpty else { throw .invalidOption(option, "give at least one size") }
            if let bad = ds.first(where: { $0 <= 0 }) { throw .invalidOption(option, "values must be positive, got \(bad)") }
        case let .search(start, _, resolution, _):
            guard !isLoRA else { throw .invalidOption("search", "a LoRA sweep sweeps a list of ranks, not a search") }
            guard plan.shard == nil else {
                throw .invalidOption("search", "decides each d from the previous results and cannot be sharded; shard a d list instead")
            }
            guard start >= 1 else { throw .invalidOption("search-start", "must be positive, got \(start)") }
            guard resolution > 0, resolution < 1 else { throw .invalidOption("search-resolution", "must be in (0, 1)") }
        }
    }

    /// Runs (or resumes) the sweep: loads the data once, checks every size against the model
    /// (each rank against every target) before the first run, then trains every run the
    /// journal lacks, in plan order.
    ///
    /// - Parameter progress: called on the calling thread: once with `.resuming` when the
    ///   journal already holds runs, after every epoch, and after every finished run.
    /// - Returns: the summary of the whole journal (what `sweep.csv` and `d_int90.json` hold).
    /// - Throws: ``TrainingError`` for an invalid plan, size or rank and for a journal of another
    ///   sweep; data, checkpoint and file errors naming the file. Nothing is created before the
    ///   sizes are checked.
    @discardableResult
    public func run(progress: (SweepProgress) -> Void = { _ in }) throws -> SweepReport {
        try validate()
        let backend: any SweepBackend = try encoder.map { try EncoderSweepBackend(self, specification: $0) } ?? BuiltinSweepBackend(self)
        let D = backend.fullDimension
        var sizes: [Int] = []
        if case let .grid(ds) = plan.sizes { sizes = ds }
        // Each rank's trainable parameters (and a check that it fits every target) before any run.
        var loraParameters: [Int: Int] = [:]
        if lora != nil {
            for r in sizes { loraParameters[r] = try backend.loraParameters(rank: r) }
        } else {
            for d in sizes { try checkSubspace(d, backend) }
        }
        var searcher: SweepSearch? = nil
        var searchTarget = SweepPlan.SearchTarget.measured
        if case let .search(start, limit, resolution, target) = plan.sizes {
            if let limit { try checkSubspace(limit, backend) }
            searcher = SweepSearch(start: start, limit: limit ?? D, resolution: resolution, seeds: plan.seeds, firstSeed: plan.firstSeed)
            searchTarget = target
        }
        try ReportDirectory.create(directory)
        let config = configuration(fullDimension: D)
        var journal = try SweepJournal.open((directory as NSString).appendingPathComponent("journal.jsonl"), configuration: config)
        let planned = plan.runs
        let started = Date()
        var finishedHere = 0
        let epochs = backend.epochs
        let learningRateSwept = !plan.learningRates.isEmpty

        func nextRuns() -> [SweepRun] {
            if let searcher {
                let records = journal.records.sorted { $0.index < $1.index }
                return searcher.next(after: records, accuracy: summary.accuracy) { measured in
                    summary.threshold * (searchTarget == .measured ? measured : summary.absoluteBaseline)
                }
            }
            let done = Set(journal.records.map(\.index))
            return planned.filter { !done.contains($0.index) }
        }
        func writeSummary() throws -> SweepReport {
            let report = summary.report(journal.records, configuration: config, plannedRuns: searcher == nil ? planned.count : nil)
            try report.write(to: directory)
            return report
        }
        var latest = try writeSummary()
        if journal.records.count > 0 { progress(.resuming(finishedRuns: journal.records.count)) }
        while let run = nextRuns().first {
            let isLoRARun = isLoRA && !run.isBaseline
            let learningRate = run.isBaseline ? baselineLearningRate ?? runLearningRate : run.learningRate ?? runLearningRate
            let mode = run.isBaseline ? "full" : isLoRARun ? "lora" : "subspace"
            let position = SweepProgress.Run(position: journal.records.count + 1, total: searcher == nil ? planned.count : nil, run: run,
                                             mode: mode, projection: run.isBaseline || isLoRARun ? "none" : subspace.projection.rawValue,
                                             epochs: epochs)
            var record = SweepRecord(index: run.index, d: run.d, seed: run.seed, projection: "none", status: .ok, bestTestAccuracy: 0,
                                     finalTestAccuracy: 0, epochs: 0, seconds: 0)
            record.mode = mode
            record.learningRate = SweepRecord.decimal(learningRate)
            let folder = record.directoryName(learningRateSwept: learningRateSwept)
            let t0 = Date()
            var trained = try backend.train(run, lora: isLoRARun, learningRate: learningRate,
                                            into: (directory as NSString).appendingPathComponent("runs/" + folder)) { r in
                var remaining: Double? = nil
                if let total = position.total {
                    let perEpoch = Date().timeIntervalSince(started) / Double(finishedHere * epochs + r.epoch)
                    remaining = Double((total - position.position) * epochs + epochs - r.epoch) * perEpoch
                }
                progress(.epoch(position, r, secondsRemaining: remaining))
            }
            trained.seconds = Date().timeIntervalSince(t0)
            trained.mode = mode
            trained.rank = isLoRARun ? run.d : nil
            trained.trainableParameters = run.isBaseline ? D : isLoRARun ? loraParameters[run.d] : run.d
            trained.learningRate = record.learningRate
            try journal.append(trained)
            finishedHere += 1
            latest = try writeSummary()
            progress(.finished(position, trained))
        }
        return latest
    }
}
