import Models
import CheckpointIO
import Foundation
import RankAnalysis
import Reports
import Sweeps
import Training

extension FineTuningExperiment {
    /// extract/seed<s>/r<r>/ and energy<e>/: ``LoRAExtractor`` from each full fine-tune (every rank of
    /// the ranks, and the extraction energy), each adapter written as `extract-lora` writes it and
    /// handed to `evaluate` (folder, adapter, seed → accuracy and macro-F1, if any).
    func extract(baseCheckpoint: Checkpoint, rankList: [Int], tuned tunedPath: (Int) -> String, taskType: String? = nil,
                 evaluate: (String, LoRAAdapter, Int) throws -> (accuracy: Double, macroF1: Double?)) throws -> [FineTuningExperimentReport.Extraction] {
        let o = options
        let percent = Int((o.extractEnergy * 100).rounded())
        let rules: [(mode: String, size: Int, rule: LoRAExtractionOptions.RankRule, folder: String)] =
            rankList.map { ("extracted", $0, .fixed($0), "r\($0)") } + [("extracted_energy", percent, .energy(o.extractEnergy), "energy\(percent)")]
        var params = [[Int]](repeating: [], count: rules.count), accuracies = [[Double]](repeating: [], count: rules.count)
        var f1s = [[Double]](repeating: [], count: rules.count)
        var ranks = [[String: [Int]]](repeating: [:], count: rules.count)
        for seed in 0..<o.seeds {
            let tuned = try Checkpoint.open(tunedPath(seed))
            let pairing = try TensorPairing(base: baseCheckpoint, tuned: tuned)
            for (k, rule) in rules.enumerated() {
                let t0 = Date()
                var extraction = try LoRAExtractionOptions(rule: rule.rule)
                extraction.jobs = o.threads
                let result = try LoRAExtractor.run(pairing, options: extraction)
                let dir = path("extract", "seed\(seed)", rule.folder)
                var recorded = ["part of": o.command, "rule": rule.folder]
                if pairing.names != .identity { recorded["name_rule"] = pairing.names.rule }
                let provenance = RunProvenance(command: "extract-lora", arguments: o.arguments,
                                               inputs: ["base": .init(baseCheckpoint), "tuned": .init(tuned)],
                                               options: recorded, startedAt: t0, seconds: Date().timeIntervalSince(t0))
                try LoRAExtractionReport(result: result, provenance: provenance, dtype: .f32, baseModel: baseCheckpoint.path,
                                         taskType: taskType).write(to: dir)
                let scored = try evaluate(dir, try LoRAAdapter(path: dir), seed)
                params[k].append(result.modules.reduce(0) { $0 + $1.rank * ($1.rows + $1.cols) })
                accuracies[k].append(scored.accuracy)
                if let f1 = scored.macroF1 { f1s[k].append(f1) }
                for m in result.modules { ranks[k][m.tensor, default: []].append(m.rank) }
            }
        }
        return rules.indices.map { k in
            FineTuningExperimentReport.Extraction(mode: rules[k].mode, size: rules[k].size, trainableParameters: params[k],
                                                  accuracy: accuracies[k], ranks: ranks[k], macroF1: f1s[k].isEmpty ? nil : f1s[k])
        }
    }

    /// rank/seed<s>/ of each full fine-tune (`tuned(seed)`) against the base, compare/ of every LoRA
    /// adapter against it and between adapters; per layer the energy rank 90 and captured energies.
    func rankAndCompare(baseCheckpoint: Checkpoint, rankList: [Int], tuned tunedPath: (Int) -> String) throws -> [FineTuningExperimentReport.Layer] {
        let o = options
        var energyRanks: [String: [Int]] = [:]
        var captured: [String: [Int: [Double]]] = [:]
        func provenance(_ command: String, _ inputs: [String: RunProvenance.Input], _ t0: Date, names: TensorNameAlignment = .identity) -> RunProvenance {
            var recorded = ["part of": o.command]
            if names != .identity { recorded["name_rule"] = names.rule }
            return RunProvenance(command: command, arguments: o.arguments, inputs: inputs, options: recorded,
                                 startedAt: t0, seconds: Date().timeIntervalSince(t0))
        }
        func adapter(_ r: Int, _ seed: Int) throws -> (LoRAAdapter, [BoundLoRAModule]) {
            let a = try LoRAAdapter(path: path("lora", "runs", "r\(r)-seed\(seed)", "adapter"))
            return (a, try a.bind(to: baseCheckpoint))
        }
        for seed in 0..<o.seeds {
            let tuned = try Checkpoint.open(tunedPath(seed))
            let t0 = Date()
            let pairing = try TensorPairing(base: baseCheckpoint, tuned: tuned)
            let result = try RankAnalyzer.run(pairing, options: .init(jobs: o.threads))
            try RankReport(result: result, provenance: provenance("rank", ["base": .init(baseCheckpoint), "tuned": .init(tuned)], t0, names: pairing.names))
                .write(to: path("rank", "seed\(seed)"))
            for m in result.matrices { energyRanks[m.tensor, default: []].append(m.metrics.energyRank90) }
            for r in rankList {
                let t1 = Date()
                let (a, bound) = try adapter(r, seed)
                var comparison = LoRAComparer.Options()
                comparison.jobs = o.threads
                let names = LoRAComparer.names(adapter: bound, tuned: tuned)
                let rows = try LoRAComparer.run(adapter: bound, tuned: tuned, names: names, options: comparison)
                try LoRAComparisonReport(comparisons: rows, adapter: a, matchNotes: [:],
                                         provenance: provenance("compare", ["base": .init(baseCheckpoint), "tuned": .init(tuned)], t1, names: names))
                    .write(to: path("compare", "r\(r)-seed\(seed)"))
                for row in rows { captured[row.tensor, default: [:]][r, default: []].append(row.capturedEnergy ?? .nan) }
            }
        }
        // Adapter against adapter: two seeds at the largest rank, and the smallest rank against the largest.
        var pairs: [(String, (Int, Int), (Int, Int))] = []
        if o.seeds >= 2, let r = rankList.last { pairs.append(("r\(r)-seed0-vs-seed1", (r, 0), (r, 1))) }
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
        return energyRanks.keys.sorted().map { t in
            FineTuningExperimentReport.Layer(tensor: t, fullEnergyRank90: energyRanks[t]!,
                                             capturedEnergy: Dictionary(uniqueKeysWithValues: (captured[t] ?? [:]).map {
                                                 (String($0.key), $0.value.reduce(0, +) / Double($0.value.count)) }))
        }
    }

    /// rank/, compare/, extract/ and experiment.csv/json, from the finished sweeps.
    func summarise(baseModel: String, started: Date) throws -> FineTuningExperimentReport {
        let o = options
        let rankList = Array(Set(o.ranks)).sorted()
        let baseCheckpoint = try Checkpoint.open(baseModel)
        let fullRun = { (seed: Int) in self.path("lora", "runs", "full-seed\(seed)", "model.safetensors") }
        let layers = try rankAndCompare(baseCheckpoint: baseCheckpoint, rankList: rankList, tuned: fullRun)
        // The base's accuracy on both tasks.
        let pretrainRun = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("pretrain", "run.json")))) as? [String: Any]
        let (taskTrain, taskTest) = try DatasetCatalog.load(o.task, dataDirectory: o.dataDirectory, classCount: o.classes,
                                                            testFraction: 0.1, splitSeed: 0)
        let net = try o.model.make(inputFeatures: taskTrain.features, classes: o.classes)
        let evaluator = try Trainer(model: net, train: taskTrain, test: taskTest, options: TrainingOptions(), threads: o.threads)
        let baseOnTask = evaluator.evaluate(parameters: try ModelCheckpoint.load(baseModel, layout: net.layout), on: taskTest).accuracy
        let extractions = try extract(baseCheckpoint: baseCheckpoint, rankList: rankList, tuned: fullRun) { dir, adapter, _ in
            let merged = dir + "/merged.safetensors"
            _ = try LoRAMerger.merge(base: baseCheckpoint, adapter: adapter, to: merged)
            return (evaluator.evaluate(parameters: try ModelCheckpoint.load(merged, layout: net.layout), on: taskTest).accuracy, nil)
        }
        let sizes = { (list: [Int]) in list.map(String.init).joined(separator: ",") }
        let report = FineTuningExperimentReport(
            subspace: try SweepJournal.read(path("subspace", "journal.jsonl")).records,
            lora: try SweepJournal.read(path("lora", "journal.jsonl")).records, extractions: extractions, threshold: o.threshold,
            basePretrainAccuracy: pretrainRun?["final_test_accuracy"] as? Double ?? .nan, baseTaskAccuracy: baseOnTask,
            layers: layers,
            provenance: RunProvenance(command: o.command, arguments: o.arguments,
                                      inputs: ["base": .init(baseCheckpoint)],
                                      options: ["pretrain": o.pretrain, "task": o.task, "d": sizes(o.dimensions), "ranks": sizes(o.ranks),
                                                "seeds": String(o.seeds), "epochs": String(o.epochs),
                                                "pretrain_epochs": String(o.pretrainEpochs)],
                                      startedAt: started, seconds: Date().timeIntervalSince(started)))
        try report.write(to: o.directory)
        return report
    }
}
