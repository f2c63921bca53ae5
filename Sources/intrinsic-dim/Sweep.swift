import ArgumentParser
import Foundation
import IntrinsicDim

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep the subspace dimension d (or the LoRA rank r) and report d_int90 (or r_int90).",
        discussion: """
            `sweep run` (the default) trains the full-training baselines and every (d, seed) of \
            the plan into --out: runs/<d…-seed…>/ (each a train output), journal.jsonl, sweep.csv and \
            d_int90.json. Rerun the same command after a crash or kill to resume: finished runs \
            are skipped, the interrupted one is redone. --shard k/N runs every N-th run so a Slurm \
            job array or GNU parallel spreads one sweep; `sweep merge` combines the shards. \
            With --mode lora --ranks r,r,…, each run trains LoRA factors of rank r instead (see \
            `train --mode lora`), and d_int90.json reports r_int90 and the trainable parameters at it. \
            --lrs a,b,… runs every (d, lr, seed); d_int90 uses, per d, the rate with the best mean \
            accuracy (d_int90.json lists each d's chosen rate and every rate's mean). \
            With --model DIR (a BERT folder) each run is a `train --model DIR` run: SAID subspaces \
            (--mode subspace) or LoRA on --targets (default query,value), the full fine-tunes at \
            --baseline-lr (default 1e-4), and sweep.csv / d_int90.json add macro-F1 and the \
            majority-class floor.
            """,
        subcommands: [SweepRunCommand.self, SweepMergeCommand.self],
        defaultSubcommand: SweepRunCommand.self)
}

/// The summary options `run` and `merge` share.
struct SummaryArguments: ParsableArguments {
    @Option(help: "Fraction of the baseline to reach (0.9 for d_int90).") var threshold: Double = 0.9
    @Option(help: ArgumentHelp("The fixed baseline of d_int90_absolute (1.0: Li et al.'s 90 %-accuracy criterion).", valueName: "accuracy"))
    var baseline: Double = 1.0
    @Option(help: "Which accuracy of a run counts: final or best.") var accuracy: SweepAccuracy = .final
    @Option(help: "Bootstrap replicates over seeds.") var bootstrap: Int = 1000

    func validate() throws {
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], got \(threshold)") }
        guard baseline > 0, baseline <= 1 else { throw ValidationError("--baseline must be in (0, 1], got \(baseline)") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0, got \(bootstrap)") }
    }

    var options: SweepSummaryOptions {
        var o = SweepSummaryOptions()
        o.threshold = threshold
        o.absoluteBaseline = baseline
        o.accuracy = accuracy
        o.bootstrapReplicates = bootstrap
        return o
    }
}

extension SweepAccuracy: ExpressibleByArgument {}
extension SweepPlan.SearchTarget: ExpressibleByArgument {}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run (or resume) a sweep.")

    @OptionGroup var training: TrainingArguments
    @OptionGroup var summary: SummaryArguments
    @OptionGroup var loraOptions: LoRAArguments
    @OptionGroup var encoder: EncoderArguments
    @Option(help: "subspace (sweep d) or lora (sweep the rank r).") var mode: SweepMode = .subspace
    @Option(name: .customLong("lrs"), help: ArgumentHelp("Comma-separated learning rates of the subspace/LoRA runs: every (d, lr, seed) is a run; d_int90 uses each d's best rate (default: --lr only).", valueName: "lr,lr,…"))
    var learningRateList: String?
    @Option(help: ArgumentHelp("Comma-separated LoRA ranks (--mode lora).", valueName: "r,r,…")) var ranks: String?
    @Option(name: .customLong("baseline-lr"), help: ArgumentHelp("Learning rate of the full-training baselines (default --lr; 1e-4 for an encoder folder).", valueName: "lr"))
    var baselineLearningRate: Float?
    @Option(name: .customLong("d"), help: ArgumentHelp("Comma-separated subspace dimensions.", valueName: "n,n,…")) var dList: String?
    @Flag(help: "Doubling-then-bisection search on d instead of a list.") var search = false
    @Option(help: "First d of --search.") var searchStart: Int = 100
    @Option(help: "Largest d of --search (default D).") var searchLimit: Int?
    @Option(help: "--search stops when the bracket is narrower than this fraction of d.") var searchResolution: Double = 0.1
    @Option(help: "What --search aims at: measured (threshold × baseline runs) or absolute (threshold × --baseline).")
    var searchTarget: SweepPlan.SearchTarget = .measured
    @Option(help: "Seeds per d (and baseline runs).") var seeds: Int = 3
    @Option(help: "The first seed; seeds are first, first+1, ….") var firstSeed: UInt64 = 0
    @Option(help: ArgumentHelp("Run only shard k of N (every N-th run), e.g. 2/8.", valueName: "k/N")) var shard: String?
    @Option(help: ArgumentHelp("Sweep directory.", valueName: "dir")) var out: String

    enum SweepMode: String, ExpressibleByArgument { case subspace, lora }

    /// The sizes swept: d, or the ranks of a LoRA sweep.
    func dimensions() throws -> [Int] {
        mode == .lora ? try IntegerListOption.values(ranks, "--ranks") : try IntegerListOption.values(dList, "--d")
    }

    /// The learning rates of `--lrs` (`[]` without it).
    func learningRates() throws -> [Float] {
        guard let text = learningRateList else { return [] }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.map { $0 > 0 && $0.isFinite } ?? false }) else {
            throw ValidationError("--lrs must be comma-separated positive learning rates, got '\(text)'")
        }
        return parts.map { $0! }
    }

    func validate() throws {
        if training.model.folder != nil {
            try TrainEncoder.validateShared(training, encoder, subspace: mode == .subspace)
        } else if encoder.isSet {
            throw ValidationError("--max-length, --train-limit, --test-limit, --weight-decay, --warmup-ratio, --test-dataset and the column options apply to --model DIR only")
        }
        if try !learningRates().isEmpty, search { throw ValidationError("--lrs runs a --d list; --search runs one learning rate") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
        if let lr = baselineLearningRate, !(lr > 0 && lr.isFinite) { throw ValidationError("--baseline-lr must be positive, got \(lr)") }
        let ds = try dimensions()
        if mode == .lora {
            guard dList == nil, !search else { throw ValidationError("--mode lora sweeps --ranks; drop --d and --search") }
            guard !ds.isEmpty else { throw ValidationError("--mode lora needs --ranks r,r,…") }
            if let bad = ds.first(where: { $0 <= 0 }) { throw ValidationError("--ranks values must be positive, got \(bad)") }
        } else if ranks != nil || loraOptions.isSet {
            throw ValidationError("--ranks, --alpha, --rslora, --targets, --lora-init and --cap-rank apply to --mode lora only")
        } else if search {
            guard dList == nil else { throw ValidationError("--search chooses d itself; drop --d") }
            guard shard == nil else { throw ValidationError("--search decides each d from the previous results and cannot be sharded; shard a --d list instead") }
            guard searchStart >= 1 else { throw ValidationError("--search-start must be positive, got \(searchStart)") }
            guard searchResolution > 0, searchResolution < 1 else { throw ValidationError("--search-resolution must be in (0, 1)") }
        } else {
            guard !ds.isEmpty else { throw ValidationError("give --d n,n,… or --search") }
            if let bad = ds.first(where: { $0 <= 0 }) { throw ValidationError("--d values must be positive, got \(bad)") }
        }
        _ = try ShardOption.parse(shard)
    }

    /// The library's sweep these options describe.
    func sweep() throws -> IntrinsicDim.Sweep {
        let plan: SweepPlan
        if search {
            plan = SweepPlan(searchFrom: searchStart, limit: searchLimit, resolution: searchResolution, target: searchTarget,
                             seeds: seeds, firstSeed: firstSeed)
        } else {
            plan = SweepPlan(dimensions: try dimensions(), seeds: seeds, firstSeed: firstSeed,
                             shard: try ShardOption.parse(shard).map { try SweepShard($0.k, of: $0.n) }, learningRates: try learningRates())
        }
        var sweep: IntrinsicDim.Sweep
        if let folder = training.model.folder {
            // The runs `train --model DIR` makes: SAID (per-tensor P alone with --per-tensor), the
            // mode's default rate, the full fine-tunes at transformers' fine-tuning rate.
            let spec = TrainEncoder.specification(training, encoder, folder: folder, mode: mode == .lora ? .lora : .subspace, seed: 0)
            sweep = IntrinsicDim.Sweep(plan: plan, encoder: spec, directory: out, dataDirectory: training.dataDirectory, threads: training.threads)
            let t = training
            sweep.subspace = IntrinsicDim.Sweep.Subspace(projection: t.projection, projectionSeed: t.projectionSeed, perTensor: true,
                                                         said: !t.perTensor, blockLength: t.blockLength, wht: t.wht)
            sweep.baselineLearningRate = baselineLearningRate ?? TrainEncoder.defaultLearningRate(.full)
        } else {
            sweep = IntrinsicDim.Sweep(plan: plan, training: training.specification(d: nil, seed: 0), directory: out,
                                       dataDirectory: training.dataDirectory, threads: training.threads)
            sweep.subspace = training.subspace
            sweep.baselineLearningRate = baselineLearningRate
        }
        sweep.lora = mode == .lora ? loraOptions.sweepLoRA : nil
        sweep.summary = summary.options
        sweep.memoryBudget = training.memoryBudget.bytes
        return sweep
    }

    func run() throws {
        try reportingFailures("sweep") {
            let report = try sweep().run(progress: SweepProgressPrinter.print)
            let est = report.estimate
            let name = mode == .lora ? "r_int90" : "d_int90"
            let floor = est.majorityTestAccuracy.map { ", majority-class floor \(String(format: "%.4f", $0))" } ?? ""
            let lr = learningRateList == nil ? "" : est.lrAtDInt90.map { " (lr \($0))" } ?? ""
            Terminal.line("sweep: \(report.records.count) runs; baseline \(est.baselineAccuracy.map { String(format: "%.4f", $0) } ?? "n/a"), \(name) \(est.dInt90.map(String.init) ?? "not reached")\(lr), \(name)_absolute \(est.dInt90Absolute.map(String.init) ?? "not reached")\(floor) → \(out)")
        }
    }
}

struct SweepMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the journals of sweep shards into one sweep.csv and d_int90.json, with every run's folder.")

    @OptionGroup var summary: SummaryArguments
    @Argument(help: ArgumentHelp("Shard directories (each with journal.jsonl).", valueName: "dir")) var directories: [String]
    @Option(help: ArgumentHelp("Where to write the merged journal, sweep.csv and d_int90.json.", valueName: "dir")) var out: String

    func run() throws {
        try reportingFailures("sweep merge") {
            guard !directories.isEmpty else { throw ValidationError("give at least one shard directory") }
            let merged = try SweepMerge(directories, into: out, summary: summary.options).run()
            let est = merged.report.estimate
            Terminal.line("sweep merge: \(merged.report.records.count) runs (\(merged.copiedRunFolders) run folders) from \(directories.count) directories; d_int90 \(est.dInt90.map(String.init) ?? "not reached"), d_int90_absolute \(est.dInt90Absolute.map(String.init) ?? "not reached") → \(out)")
        }
    }
}
