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
            `train --mode lora`), and d_int90.json reports r_int90 and the trainable parameters at it.
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

    func report(_ records: [SweepRecord], configuration: [String: String], planned: Int?) -> SweepReport {
        let estimate = DInt90Estimator.estimate(records, threshold: threshold, absoluteBaseline: baseline,
                                                accuracy: accuracy, replicates: bootstrap)
        return SweepReport(records: records, estimate: estimate, configuration: configuration, plannedRuns: planned)
    }
}

extension SweepAccuracy: ExpressibleByArgument {}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run (or resume) a sweep.")

    @OptionGroup var training: TrainingArguments
    @OptionGroup var summary: SummaryArguments
    @OptionGroup var loraOptions: LoRAArguments
    @Option(help: "subspace (sweep d) or lora (sweep the rank r).") var mode: SweepMode = .subspace
    @Option(help: ArgumentHelp("Comma-separated LoRA ranks (--mode lora).", valueName: "r,r,…")) var ranks: String?
    @Option(name: .customLong("baseline-lr"), help: ArgumentHelp("Learning rate of the full-training baselines (default --lr).", valueName: "lr"))
    var baselineLearningRate: Float?
    @Option(name: .customLong("d"), help: ArgumentHelp("Comma-separated subspace dimensions.", valueName: "n,n,…")) var dList: String?
    @Flag(help: "Doubling-then-bisection search on d instead of a list.") var search = false
    @Option(help: "First d of --search.") var searchStart: Int = 100
    @Option(help: "Largest d of --search (default D).") var searchLimit: Int?
    @Option(help: "--search stops when the bracket is narrower than this fraction of d.") var searchResolution: Double = 0.1
    @Option(help: "What --search aims at: measured (threshold × baseline runs) or absolute (threshold × --baseline).")
    var searchTarget: SearchTarget = .measured
    @Option(help: "Seeds per d (and baseline runs).") var seeds: Int = 3
    @Option(help: "The first seed; seeds are first, first+1, ….") var firstSeed: UInt64 = 0
    @Option(help: ArgumentHelp("Run only shard k of N (every N-th run), e.g. 2/8.", valueName: "k/N")) var shard: String?
    @Option(help: ArgumentHelp("Sweep directory.", valueName: "dir")) var out: String

    enum SearchTarget: String, ExpressibleByArgument { case measured, absolute }
    enum SweepMode: String, ExpressibleByArgument { case subspace, lora }

    static func integers(_ text: String?, _ option: String) throws -> [Int] {
        guard let text else { return [] }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(option) must be comma-separated integers, got '\(text)'")
        }
        return parts.map { $0! }
    }

    /// The sizes swept: d, or the ranks of a LoRA sweep.
    func dimensions() throws -> [Int] {
        mode == .lora ? try Self.integers(ranks, "--ranks") : try Self.integers(dList, "--d")
    }

    func shardPair() throws -> (k: Int, n: Int)? { try ShardOption.parse(shard) }

    func validate() throws {
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
        _ = try shardPair()
    }

    /// Everything that changes which runs are made or what they compute.
    func configuration(fullDimension: Int) throws -> [String: String] {
        let t = training
        var c: [String: String] = [
            "model": t.model.rawValue, "dataset": t.dataset, "classes": String(t.classes),
            "test-fraction": String(t.testFraction), "epochs": String(t.epochs), "batch-size": String(t.batchSize),
            "optimizer": t.optimizer.rawValue, "lr": String(t.learningRate), "momentum": String(t.momentum),
            "beta1": String(t.beta1), "beta2": String(t.beta2), "epsilon": String(t.epsilon), "l2": String(t.l2),
            "projection": t.projection.rawValue, "projection-seed": t.projectionSeed.map(String.init) ?? "(the run's seed)",
            "per-tensor": String(t.perTensor), "said": String(t.said), "block-length": t.blockLength.map(String.init) ?? "(one block)",
            "wht": t.wht.rawValue, "init": t.initCheckpoint ?? "(He-normal)", "seeds": String(seeds), "first-seed": String(firstSeed),
        ]
        if let lr = baselineLearningRate { c["baseline-lr"] = String(lr) }
        if search {
            c["search"] = "start \(searchStart), limit \(searchLimit ?? fullDimension), resolution \(searchResolution), target \(searchTarget.rawValue)"
            c["search-threshold"] = String(summary.threshold)
            if searchTarget == .absolute { c["search-baseline"] = String(summary.baseline) }
        } else if mode == .lora {
            c["mode"] = "lora"
            c["ranks"] = try Array(Set(dimensions())).sorted().map(String.init).joined(separator: ",")
            c.merge(loraOptions.configuration) { a, _ in a }
        } else {
            c["d"] = try Array(Set(dimensions())).sorted().map(String.init).joined(separator: ",")
        }
        return c
    }

    func run() throws {
        try reportingFailures("sweep") {
            let session = try RunSession(training)
            let D = session.model.layout.count
            let ds = try dimensions()
            let layout = session.model.layout
            // Each rank's trainable parameters (and a check that it fits every target) before any run.
            var loraParameters: [Int: Int] = [:]
            if mode == .lora {
                for r in ds { loraParameters[r] = try loraOptions.specification(rank: r, layout: layout).makeMap(for: layout, seed: 0, threads: 1).trainableParameters }
            } else {
                for d in ds { try session.checkSubspace(d) }
            }
            if let limit = searchLimit { try session.checkSubspace(limit) }
            try ReportDirectory.create(out)
            let config = try configuration(fullDimension: D)
            var journal = try SweepJournal.open((out as NSString).appendingPathComponent("journal.jsonl"), configuration: config)
            let grid = search ? [] : SweepPlan.grid(dimensions: ds, seeds: seeds, firstSeed: firstSeed)
            let planned = try shardPair().map { SweepPlan.shard(grid, k: $0.0, of: $0.1) } ?? grid
            let searcher = SweepSearch(start: searchStart, limit: searchLimit ?? D, resolution: searchResolution,
                                       seeds: seeds, firstSeed: firstSeed)
            let started = Date()
            var finishedHere = 0

            func nextRuns() -> [IntrinsicDim.SweepRun] {
                if search {
                    let records = journal.records.sorted { $0.index < $1.index }
                    return searcher.next(after: records, accuracy: summary.accuracy) { measured in
                        summary.threshold * (searchTarget == .measured ? measured : summary.baseline)
                    }
                }
                let done = Set(journal.records.map(\.index))
                return planned.filter { !done.contains($0.index) }
            }
            func writeSummary() throws -> SweepReport {
                let report = summary.report(journal.records, configuration: config, planned: search ? nil : planned.count)
                try report.write(to: out)
                return report
            }
            var latest = try writeSummary()
            if journal.records.count > 0 { Terminal.line("sweep: resuming; \(journal.records.count) runs already in the journal") }
            while let run = nextRuns().first {
                let total = search ? nil : planned.count
                let position = journal.records.count + 1
                let lora = mode == .lora && !run.isBaseline
                let label = run.isBaseline ? "full" : lora ? "LoRA r = \(run.d)" : "\(training.projection.rawValue) d = \(run.d)"
                var spec = training.specification(d: run.isBaseline || lora ? nil : run.d, seed: run.seed)
                if run.isBaseline, let lr = baselineLearningRate { spec.options.learningRate = lr }
                if lora { spec.lora = loraOptions.specification(rank: run.d, layout: layout) }
                let dir = (out as NSString).appendingPathComponent("runs/" + (lora ? "r\(run.d)-seed\(run.seed)" : run.directoryName))  // = SweepRecord.directoryName
                let t0 = Date()
                let result = try session.run(spec, command: "sweep", arguments: CommandLine.arguments, into: dir) { r in
                    let elapsed = Date().timeIntervalSince(started)
                    var eta = ""
                    if let total {
                        let perEpoch = elapsed / Double(finishedHere * spec.options.epochs + r.epoch)
                        let remaining = Double((total - position) * spec.options.epochs + spec.options.epochs - r.epoch) * perEpoch
                        eta = "  ETA \(Terminal.duration(remaining))"
                    }
                    Terminal.progress("run \(position)/\(total.map(String.init) ?? "?") (\(label), seed \(run.seed))  epoch \(r.epoch)/\(spec.options.epochs)  test accuracy \(String(format: "%.4f", r.testAccuracy))\(eta)")
                }
                var record = SweepRecord(index: run.index, d: run.d, seed: run.seed,
                                         projection: run.isBaseline || lora ? "none" : training.projection.rawValue,
                                         status: result.status, bestTestAccuracy: result.bestTestAccuracy,
                                         finalTestAccuracy: result.finalTestAccuracy, epochs: result.epochs.count,
                                         seconds: Date().timeIntervalSince(t0))
                record.mode = spec.modeName
                record.rank = lora ? run.d : nil
                record.trainableParameters = run.isBaseline ? D : lora ? loraParameters[run.d] : run.d
                try journal.append(record)
                finishedHere += 1
                latest = try writeSummary()
                Terminal.endProgress()
                Terminal.line("run \(position)/\(total.map(String.init) ?? "?") (\(label), seed \(run.seed)): \(result.status.rawValue), final test accuracy \(String(format: "%.4f", result.finalTestAccuracy)) in \(Terminal.duration(record.seconds))")
            }
            let est = latest.estimate
            let name = mode == .lora ? "r_int90" : "d_int90"
            Terminal.line("sweep: \(journal.records.count) runs; baseline \(est.baselineAccuracy.map { String(format: "%.4f", $0) } ?? "n/a"), \(name) \(est.dInt90.map(String.init) ?? "not reached"), \(name)_absolute \(est.dInt90Absolute.map(String.init) ?? "not reached") → \(out)")
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
            var merged: [Int: SweepRecord] = [:]
            var config: [String: String]? = nil
            var sources: [(String, [String])] = []
            for dir in directories {
                let path = (dir as NSString).appendingPathComponent("journal.jsonl")
                let j = try SweepJournal.read(path)
                if let c = config, let diff = SweepJournal.difference(c, j.configuration) {
                    throw TrainingError.journalMismatch(path: path, "belongs to a different sweep than \(directories[0]): \(diff)")
                }
                config = j.configuration
                for r in j.records {
                    if let other = merged[r.index], !other.sameOutcome(as: r) {
                        throw TrainingError.journalMismatch(path: path, "run \(r.index) (d = \(r.d), seed \(r.seed)) differs from another shard's")
                    }
                    if merged[r.index] == nil {
                        merged[r.index] = r
                        sources.append((dir, [r.directoryName]))
                    }
                }
            }
            let records = merged.values.sorted { $0.index < $1.index }
            try ReportDirectory.create(out)
            let journalPath = (out as NSString).appendingPathComponent("journal.jsonl")
            if FileManager.default.fileExists(atPath: journalPath) {
                throw TrainingError.journalMismatch(path: journalPath, "already exists; merge into a new directory")
            }
            var journal = try SweepJournal.open(journalPath, configuration: config!)
            for r in records { try journal.append(r) }
            // Each run's folder (model, adapter, metrics) from the shard that journalled it.
            var copied = 0
            for (dir, names) in sources {
                for name in names {
                    let from = (dir as NSString).appendingPathComponent("runs/" + name)
                    let to = (out as NSString).appendingPathComponent("runs/" + name)
                    guard FileManager.default.fileExists(atPath: from), !FileManager.default.fileExists(atPath: to) else { continue }
                    try ReportDirectory.create((out as NSString).appendingPathComponent("runs"))
                    try ReportDirectory.copyAtomically(from, to: to)
                    copied += 1
                }
            }
            // A grid's plan length, from the recorded options (a search has none).
            let planned: Int? = (config!["d"] ?? config!["ranks"]).map { d in
                SweepPlan.grid(dimensions: d.split(separator: ",").compactMap { Int($0) },
                               seeds: Int(config!["seeds"] ?? "") ?? 0).count
            }
            let report = summary.report(records, configuration: config!, planned: planned)
            try report.write(to: out)
            let est = report.estimate
            Terminal.line("sweep merge: \(records.count) runs (\(copied) run folders) from \(directories.count) directories; d_int90 \(est.dInt90.map(String.init) ?? "not reached"), d_int90_absolute \(est.dInt90Absolute.map(String.init) ?? "not reached") → \(out)")
        }
    }
}
