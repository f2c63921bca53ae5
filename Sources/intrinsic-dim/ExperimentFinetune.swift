import ArgumentParser
import Foundation
import IntrinsicDim

/// `experiment finetune`: subspace d_int90, LoRA r_int90 and ΔW's energy ranks from one base.
struct ExperimentFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "From one pretrained base: d_int90 of fine-tuning, LoRA's r_int90 and the rank of the full fine-tune's ΔW.",
        discussion: """
            A thin composition, each part in its own sub-folder of --out: pretrain/ (train on --pretrain), \
            subspace/ (a Fastfood sweep over --d on --task with θ_D⁰ = the base; its baselines are the full \
            fine-tunes, one per seed), lora/ (a LoRA sweep over --ranks from the base; a target smaller \
            than r, like fc3's 10 × 200, gets rank min(out, in): sweep --cap-rank), rank/seed<s>/ \
            (rank of ΔW_full = full fine-tune − base), compare/r<r>-seed<s>/ (each LoRA adapter against \
            the full fine-tune of its seed), extract/seed<s>/r<r>/ and energy<e>/ \
            (extract-lora from the full fine-tune at every rank of --ranks and at --extract-energy, merged back \
            into merged.safetensors and evaluated on --task), compare/…-vs-… (two LoRA seeds at the largest rank; the \
            smallest against the largest rank; r = 8 against r = 64 when both are swept). Then experiment.csv and experiment.json. Rerun the same \
            command to resume: a finished pretraining is kept and the sweeps resume from their journals.
            """)

    @Option(help: "fc or lenet.") var model: ModelKind = .fc
    @Option(help: ArgumentHelp("The pretraining task: mnist, fashion-mnist or FILE.npz.", valueName: "task")) var pretrain: String
    @Option(help: ArgumentHelp("The fine-tuning task.", valueName: "task")) var task: String
    @Option(help: ArgumentHelp("Directory holding mnist/ (see train).", valueName: "dir")) var dataDir: String?
    @Option(help: "Number of classes.") var classes: Int = 10
    @Option(name: .customLong("d"), help: ArgumentHelp("Subspace dimensions.", valueName: "n,n,…")) var dList: String = "100,200,400,800,1600"
    @Option(help: ArgumentHelp("LoRA ranks.", valueName: "r,r,…")) var ranks: String = "1,2,4,8"
    @Option(help: ArgumentHelp("LoRA targets (default: every weight).", valueName: "m,m,…")) var targets: String?
    @Option(help: "Seeds per size (and full fine-tunes).") var seeds: Int = 2
    @Option(help: "Pretraining epochs.") var pretrainEpochs: Int = 5
    @Option(help: "Fine-tuning epochs (full, subspace and LoRA).") var epochs: Int = 5
    @Option(name: .customLong("lr"), help: "Learning rate of pretraining and full fine-tuning.") var learningRate: Float = 1e-3
    @Option(name: .customLong("subspace-lr"), help: "Learning rate of subspace runs (default --lr).") var subspaceLearningRate: Float?
    @Option(name: .customLong("lora-lr"), help: "Learning rate of LoRA runs (default --lr).") var loraLearningRate: Float?
    @Option(help: "Fraction of the full fine-tunes' accuracy that d_int90 and r_int90 reach.") var threshold: Double = 0.9
    @Option(name: .customLong("extract-energy"), help: "extract/: besides every rank of --ranks, LoRA factors keeping this fraction of each ΔW_full's energy.")
    var extractEnergy: Double = 0.9
    @Option(help: "Threads (results do not depend on it).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Fastfood's Walsh–Hadamard kernel in the subspace sweep: native or fftw (see train).")
    var wht: WalshHadamard.Implementation = .native
    @Option(help: ArgumentHelp("Run only shard k of N of both sweeps, into --out's shards/k-of-N/; then the same command without --shard merges and summarises.", valueName: "k/N"))
    var shard: String?
    @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var out: String

    func validate() throws {
        guard seeds >= 1, epochs >= 1, pretrainEpochs >= 1, threads >= 1 else {
            throw ValidationError("--seeds, --epochs, --pretrain-epochs and --threads must be at least 1")
        }
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], got \(threshold)") }
        guard extractEnergy > 0, extractEnergy <= 1 else { throw ValidationError("--extract-energy must be in (0, 1], got \(extractEnergy)") }
        _ = try SweepRunCommand.integers(dList, "--d")
        _ = try SweepRunCommand.integers(ranks, "--ranks")
        _ = try shardPair()
    }

    func shardPair() throws -> (k: Int, n: Int)? { try ShardOption.parse(shard) }

    func path(_ parts: String...) -> String { ([out] + parts).joined(separator: "/") }

    func run() throws {
        let started = Date()
        let data = dataDir.map { ["--data-dir", $0] } ?? []
        let common = ["--model", model.rawValue, "--classes", String(classes), "--threads", String(threads)] + data
        try reportingFailures("experiment finetune") { try ReportDirectory.create(out) }
        // 1. The base.
        let base = path("pretrain")
        let shardPair = try shardPair()
        if !FileManager.default.fileExists(atPath: base + "/run.json") {
            // A shard trains into its own folder and renames it into place: shards started together
            // each train the same (deterministic) base, and the first rename wins.
            let into = shardPair.map { base + ".shard-\($0.k)-of-\($0.n)" } ?? base
            Terminal.line("experiment: pretraining on \(pretrain) → \(base)")
            var train = try Train.parse(common + ["--dataset", pretrain, "--epochs", String(pretrainEpochs),
                                                  "--lr", String(learningRate), "--out", into])
            try train.run()
            if into != base, (try? FileManager.default.moveItem(atPath: into, toPath: base)) == nil {
                try? FileManager.default.removeItem(atPath: into)
                guard FileManager.default.fileExists(atPath: base + "/run.json") else {
                    Terminal.line("intrinsic-dim experiment finetune: error: \(base): cannot move the pretrained base there from \(into)")
                    throw ExitCode.failure
                }
            }
        } else {
            Terminal.line("experiment: keeping the base in \(base)")
        }
        let baseModel = base + "/model.safetensors"
        // 2. The sweeps; their baselines are the full fine-tunes from the base.
        // Both sweeps run the same full fine-tunes (--baseline-lr): deterministic, so bit-identical.
        let fineTune = common + ["--dataset", task, "--epochs", String(epochs), "--seeds", String(seeds), "--init", baseModel,
                                 "--baseline-lr", String(learningRate)]
        let sweeps: [(name: String, arguments: [String])] = [
            ("subspace", ["--projection", "fastfood", "--wht", wht.rawValue, "--d", dList, "--lr", String(subspaceLearningRate ?? learningRate)]),
            ("lora", ["--mode", "lora", "--ranks", ranks, "--lr", String(loraLearningRate ?? learningRate), "--cap-rank"]
                + (targets.map { ["--targets", $0] } ?? [])),
        ]
        if let (k, n) = shardPair {
            for sweep in sweeps {
                var command = try SweepRunCommand.parse(fineTune + sweep.arguments + ["--shard", "\(k)/\(n)",
                                                                                      "--out", path("shards", "\(k)-of-\(n)", sweep.name)])
                try command.run()
            }
            Terminal.line("experiment: shard \(k)/\(n) done → \(path("shards", "\(k)-of-\(n)")); when every shard has finished, "
                          + "run the same command without --shard to merge them and write the summary")
            return
        }
        for sweep in sweeps {
            try mergeShards(of: sweep.name)
            var command = try SweepRunCommand.parse(fineTune + sweep.arguments + ["--out", path(sweep.name)])
            try command.run()  // resumes: after a merge only the runs no shard finished are made
        }
        // 3. rank and compare, and the summary.
        try reportingFailures("experiment finetune") { try summarise(baseModel: baseModel, started: started) }
    }

    /// `sweep merge` of `shards/*/<name>` into `<name>`, when shards ran and `<name>` has no journal yet.
    func mergeShards(of name: String) throws {
        let shardRoot = path("shards")
        guard let shardDirs = try? FileManager.default.contentsOfDirectory(atPath: shardRoot) else { return }
        let parts = shardDirs.sorted().map { path("shards", $0, name) }
            .filter { FileManager.default.fileExists(atPath: $0 + "/journal.jsonl") }
        guard !parts.isEmpty else { return }
        guard !FileManager.default.fileExists(atPath: path(name, "journal.jsonl")) else {
            Terminal.line("experiment: \(path(name)) already has a journal; the shards in \(shardRoot) are not merged again")
            return
        }
        Terminal.line("experiment: merging \(parts.count) shards of \(name)")
        var merge = try SweepMergeCommand.parse(parts + ["--out", path(name)])
        try merge.run()
    }

    /// extract/seed<s>/r<r>/ and energy<e>/: `extract-lora` from each full fine-tune (every rank of
    /// --ranks, and --extract-energy), merged into the base (merged.safetensors) and evaluated.
    func extract(baseCheckpoint: Checkpoint, rankList: [Int], accuracy: (String) throws -> Double) throws -> [FineTuningExperimentReport.Extraction] {
        let percent = Int((extractEnergy * 100).rounded())
        let rules: [(mode: String, size: Int, rule: LoRAExtractionOptions.RankRule, folder: String)] =
            rankList.map { ("extracted", $0, .fixed($0), "r\($0)") } + [("extracted_energy", percent, .energy(extractEnergy), "energy\(percent)")]
        var params = [[Int]](repeating: [], count: rules.count), accuracies = [[Double]](repeating: [], count: rules.count)
        var ranks = [[String: [Int]]](repeating: [:], count: rules.count)
        for seed in 0..<seeds {
            let tuned = try Checkpoint.open(path("lora", "runs", "full-seed\(seed)", "model.safetensors"))
            let pairing = try TensorPairing(base: baseCheckpoint, tuned: tuned)
            for (k, rule) in rules.enumerated() {
                let t0 = Date()
                var options = try LoRAExtractionOptions(rule: rule.rule)
                options.jobs = threads
                let result = try LoRAExtractor.run(pairing, options: options)
                let dir = path("extract", "seed\(seed)", rule.folder)
                let provenance = RunProvenance(command: "extract-lora", arguments: CommandLine.arguments,
                                               inputs: ["base": .init(baseCheckpoint), "tuned": .init(tuned)],
                                               options: ["part of": "experiment finetune", "rule": rule.folder],
                                               startedAt: t0, seconds: Date().timeIntervalSince(t0))
                try LoRAExtractionReport(result: result, provenance: provenance, dtype: .f32, baseModel: baseCheckpoint.path).write(to: dir)
                let adapter = try LoRAAdapter(path: dir)
                let merged = dir + "/merged.safetensors"
                _ = try LoRAMerger.merge(base: baseCheckpoint, adapter: adapter, to: merged)
                params[k].append(result.modules.reduce(0) { $0 + $1.rank * ($1.rows + $1.cols) })
                accuracies[k].append(try accuracy(merged))
                for m in result.modules { ranks[k][m.tensor, default: []].append(m.rank) }
            }
        }
        return rules.indices.map { k in
            FineTuningExperimentReport.Extraction(mode: rules[k].mode, size: rules[k].size, trainableParameters: params[k],
                                                  accuracy: accuracies[k], ranks: ranks[k])
        }
    }

    func summarise(baseModel: String, started: Date) throws {
        let rankList = Array(Set(try SweepRunCommand.integers(ranks, "--ranks"))).sorted()
        let baseCheckpoint = try Checkpoint.open(baseModel)
        var energyRanks: [String: [Int]] = [:]
        var captured: [String: [Int: [Double]]] = [:]
        func provenance(_ command: String, _ inputs: [String: RunProvenance.Input], _ t0: Date) -> RunProvenance {
            RunProvenance(command: command, arguments: CommandLine.arguments, inputs: inputs, options: ["part of": "experiment finetune"],
                          startedAt: t0, seconds: Date().timeIntervalSince(t0))
        }
        func adapter(_ r: Int, _ seed: Int) throws -> (LoRAAdapter, [BoundLoRAModule]) {
            let a = try LoRAAdapter(path: path("lora", "runs", "r\(r)-seed\(seed)", "adapter"))
            return (a, try a.bind(to: baseCheckpoint))
        }
        for seed in 0..<seeds {
            let tuned = try Checkpoint.open(path("lora", "runs", "full-seed\(seed)", "model.safetensors"))
            let t0 = Date()
            let result = try RankAnalyzer.run(try TensorPairing(base: baseCheckpoint, tuned: tuned), options: .init(jobs: threads))
            try RankReport(result: result, provenance: provenance("rank", ["base": .init(baseCheckpoint), "tuned": .init(tuned)], t0))
                .write(to: path("rank", "seed\(seed)"))
            for m in result.matrices { energyRanks[m.tensor, default: []].append(m.metrics.energyRank90) }
            for r in rankList {
                let t1 = Date()
                let (a, bound) = try adapter(r, seed)
                var options = LoRAComparer.Options()
                options.jobs = threads
                let rows = try LoRAComparer.run(adapter: bound, tuned: tuned, options: options)
                try LoRAComparisonReport(comparisons: rows, adapter: a, matchNotes: [:],
                                         provenance: provenance("compare", ["base": .init(baseCheckpoint), "tuned": .init(tuned)], t1))
                    .write(to: path("compare", "r\(r)-seed\(seed)"))
                for row in rows { captured[row.tensor, default: [:]][r, default: []].append(row.capturedEnergy ?? .nan) }
            }
        }
        // Adapter against adapter: two seeds at the largest rank, and the smallest rank against the largest.
        var pairs: [(String, (Int, Int), (Int, Int))] = []
        if seeds >= 2, let r = rankList.last { pairs.append(("r\(r)-seed0-vs-seed1", (r, 0), (r, 1))) }
        if rankList.count >= 2 { pairs.append(("r\(rankList.first!)-vs-r\(rankList.last!)-seed0", (rankList.first!, 0), (rankList.last!, 0))) }
        // The LoRA paper's Fig. 3 pair, when swept.
        if rankList.contains(8), rankList.contains(64), (rankList.first!, rankList.last!) != (8, 64) {
            pairs.append(("r8-vs-r64-seed0", (8, 0), (64, 0)))
        }
        for (name, first, second) in pairs {
            let t0 = Date()
            let (a, bound) = try adapter(first.0, first.1)
            let rows = try LoRAComparer.run(adapter: bound, tuned: nil, second: try adapter(second.0, second.1).1)
            try LoRAComparisonReport(comparisons: rows, adapter: a, matchNotes: [:],
                                     provenance: provenance("compare", ["base": .init(baseCheckpoint)], t0))
                .write(to: path("compare", name))
        }
        let layers = energyRanks.keys.sorted().map { t in
            FineTuningExperimentReport.Layer(tensor: t, fullEnergyRank90: energyRanks[t]!,
                                             capturedEnergy: Dictionary(uniqueKeysWithValues: (captured[t] ?? [:]).map {
                                                 (String($0.key), $0.value.reduce(0, +) / Double($0.value.count)) }))
        }
        // The base's accuracy on both tasks.
        let pretrainRun = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("pretrain", "run.json")))) as? [String: Any]
        let (taskTrain, taskTest) = try DatasetCatalog.load(task, dataDirectory: dataDir ?? ProcessInfo.processInfo.environment["INTRINSIC_DIM_DATA"] ?? "data",
                                                            classCount: classes, testFraction: 0.1, splitSeed: 0)
        let net = try model.make(inputFeatures: taskTrain.features, classes: classes)
        let evaluator = try Trainer(model: net, train: taskTrain, test: taskTest, options: TrainingOptions(), threads: threads)
        let baseOnTask = try evaluator.evaluate(parameters: try ModelCheckpoint.load(baseModel, layout: net.layout), on: taskTest).accuracy
        let extractions = try extract(baseCheckpoint: baseCheckpoint, rankList: rankList) { merged in
            try evaluator.evaluate(parameters: try ModelCheckpoint.load(merged, layout: net.layout), on: taskTest).accuracy
        }
        let report = FineTuningExperimentReport(
            subspace: try SweepJournal.read(path("subspace", "journal.jsonl")).records,
            lora: try SweepJournal.read(path("lora", "journal.jsonl")).records, extractions: extractions, threshold: threshold,
            basePretrainAccuracy: pretrainRun?["final_test_accuracy"] as? Double ?? .nan, baseTaskAccuracy: baseOnTask,
            layers: layers,
            provenance: RunProvenance(command: "experiment finetune", arguments: CommandLine.arguments,
                                      inputs: ["base": .init(baseCheckpoint)],
                                      options: ["pretrain": pretrain, "task": task, "d": dList, "ranks": ranks, "seeds": String(seeds),
                                                "epochs": String(epochs), "pretrain_epochs": String(pretrainEpochs)],
                                      startedAt: started, seconds: Date().timeIntervalSince(started)))
        try report.write(to: out)
        Terminal.line("experiment: full fine-tune \(report.fullAccuracy.map { String(format: "%.4f", $0) } ?? "n/a") " +
                      "(the base on the task: \(String(format: "%.4f", baseOnTask))); d_int90 \(report.dInt90.map(String.init) ?? "not reached"), " +
                      "r_int90 \(report.rInt90.map(String.init) ?? "not reached") → \(out)/experiment.csv")
    }
}
