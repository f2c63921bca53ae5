import CheckpointIO
import Foundation
import Models
import RankAnalysis
import Reports
import Sweeps
import Text
import Training

extension FineTuningExperiment {
    /// The two sweeps of an encoder experiment, as `sweep --model DIR` makes them: `subspace` (SAID:
    /// per-tensor Fastfood with one scale per tensor, over ``Options/dimensions`` at each of
    /// ``Options/subspaceLearningRates`` or at ``Options/subspaceLearningRate``) and `lora` (ranks on
    /// ``Options/targets``, default `query,value`, `--cap-rank`), both with the full fine-tunes at
    /// ``Options/learningRate`` as baselines (deterministic, so bit-identical in both).
    func encoderSweeps(_ e: EncoderRunSpecification) -> [(String, Sweep)] {
        let o = options
        func sweep(_ name: String, sizes: [Int], learningRate: Float) -> Sweep {
            var spec = e
            spec.options.epochs = o.epochs
            spec.options.learningRate = learningRate
            spec.options.seed = 0
            spec.subspace = nil
            spec.lora = nil
            var s = Sweep(plan: SweepPlan(dimensions: sizes, seeds: o.seeds), encoder: spec, directory: path(name),
                          dataDirectory: o.dataDirectory, threads: o.threads)
            s.baselineLearningRate = o.learningRate
            s.arguments = o.arguments
            return s
        }
        var subspace = sweep("subspace", sizes: o.dimensions, learningRate: o.subspaceLearningRate ?? o.learningRate)
        subspace.plan.learningRates = o.subspaceLearningRates
        subspace.subspace = Sweep.Subspace(projection: .fastfood, perTensor: true, said: true, wht: o.wht)
        var lora = sweep("lora", sizes: o.ranks, learningRate: o.loraLearningRate ?? o.learningRate)
        lora.lora = Sweep.LoRA(targets: o.targets ?? Sweep.LoRA.encoderTargets, capRank: true)
        return [("subspace", subspace), ("lora", lora)]
    }

    /// rank/, compare/, extract/ and experiment.csv/json of an encoder experiment. The full
    /// fine-tunes are run folders (`bert.…`, `classifier.…`) paired with the bare base across the
    /// head-model prefix (``RankAnalysis/TensorNameAlignment``), the new head skipped. Each
    /// extraction is evaluated as PEFT's `merge_and_unload()` of it onto
    /// `BertForSequenceClassification.from_pretrained(base)` gives it: the base with every
    /// extracted W₀ + B·A (``CheckpointIO/LoRAMerger``'s rounding) and the run's classifier (the
    /// adapter's `modules_to_save`), in eval mode on the task's test set. The merged weights are
    /// written to a scratch folder for the evaluation and removed after (a MiniLM copy is 90 MB).
    func summariseEncoder(_ e: EncoderRunSpecification, started: Date) throws -> FineTuningExperimentReport {
        let o = options
        let rankList = Array(Set(o.ranks)).sorted()
        let baseCheckpoint = try Checkpoint.open(e.modelFolder)
        let fullRun = { (seed: Int) in self.path("lora", "runs", "full-seed\(seed)") }
        let layers = try rankAndCompare(baseCheckpoint: baseCheckpoint, rankList: rankList, tuned: fullRun)
        // The evaluator: the runs' task, tokenisation and batches, in eval mode.
        var spec = e
        spec.options.epochs = o.epochs
        spec.options.learningRate = o.learningRate
        let task = try spec.task(dataDirectory: o.dataDirectory)
        let tokenizer = try BertTokenizer(directory: e.modelFolder)
        let base = try EncoderCheckpoint.load(folder: e.modelFolder, labels: task.labels, seed: 0)
        let evaluator = try EncoderTrainer(model: base.model, parameters: base.parameters, task: task, tokenizer: tokenizer,
                                           options: spec.options, mode: .full, threads: o.threads)
        let labels = task.test.labelIDs
        func score(_ theta: [Float]) -> (accuracy: Double, macroF1: Double?) {
            let p = evaluator.evaluate(theta).predictions
            return (ClassificationMetrics.accuracy(predictions: p, labels: labels),
                    ClassificationMetrics.macroF1(predictions: p, labels: labels, classCount: task.labels.count))
        }
        // The base on the task: seed 0's starting point (the folder's encoder, the new head from seed 0).
        let baseOnTask = score(base.parameters).accuracy
        let taskType = try ModelFolderConfig.near(fullRun(0))?.peftTaskType
        let extractions = try extract(baseCheckpoint: baseCheckpoint, rankList: rankList, tuned: fullRun, taskType: taskType) { dir, adapter, seed in
            let scratch = dir + "/.merged"
            try? FileManager.default.removeItem(atPath: scratch)
            try ReportDirectory.create(scratch)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            _ = try LoRAMerger.merge(base: baseCheckpoint, modules: try adapter.bind(to: baseCheckpoint), fullTensors: [],
                                     to: scratch + "/model.safetensors")
            try FileManager.default.copyItem(atPath: (e.modelFolder as NSString).appendingPathComponent("config.json"),
                                             toPath: scratch + "/config.json")
            var merged = try EncoderCheckpoint.load(folder: scratch, labels: task.labels, seed: UInt64(seed))
            let run = try EncoderCheckpoint.load(folder: fullRun(seed), labels: task.labels, seed: UInt64(seed))
            // The adapter's modules_to_save: the run's new head, whole.
            for name in merged.initializedTensors where name.hasPrefix("classifier.") {
                let entry = merged.model.layout[name]!
                merged.parameters.replaceSubrange(entry.range, with: run.parameters[entry.range])
            }
            return score(merged.parameters)
        }
        let sizes = { (list: [Int]) in list.map(String.init).joined(separator: ",") }
        var recorded: [String: String] = [:]
        recorded["model"] = e.modelFolder
        recorded["task"] = o.task
        recorded["d"] = sizes(o.dimensions)
        recorded["ranks"] = sizes(o.ranks)
        recorded["seeds"] = String(o.seeds)
        recorded["epochs"] = String(o.epochs)
        recorded["lr"] = String(o.learningRate)
        recorded["subspace_lr"] = String(o.subspaceLearningRate ?? o.learningRate)
        recorded["subspace_lrs"] = o.subspaceLearningRates.map { String($0) }.joined(separator: ",")
        recorded["lora_lr"] = String(o.loraLearningRate ?? o.learningRate)
        recorded["targets"] = (o.targets ?? Sweep.LoRA.encoderTargets).joined(separator: ",")
        recorded["max_length"] = String(e.options.maxLength)
        recorded["batch_size"] = String(e.options.batchSize)
        recorded["weight_decay"] = String(e.options.weightDecay)
        recorded["warmup_ratio"] = String(e.options.warmupRatio)
        recorded["train_limit"] = e.trainLimit.map(String.init) ?? ""
        recorded["test_limit"] = e.testLimit.map(String.init) ?? ""
        if let t = e.testDataset { recorded["test_dataset"] = t }
        var report = FineTuningExperimentReport(
            subspace: try SweepJournal.read(path("subspace", "journal.jsonl")).records,
            lora: try SweepJournal.read(path("lora", "journal.jsonl")).records, extractions: extractions, threshold: o.threshold,
            basePretrainAccuracy: .nan, baseTaskAccuracy: baseOnTask, layers: layers,
            provenance: RunProvenance(command: o.command, arguments: o.arguments, inputs: ["base": .init(baseCheckpoint)],
                                      options: recorded, startedAt: started, seconds: Date().timeIntervalSince(started)))
        report.majorityTestAccuracy = task.majorityTestAccuracy
        try report.write(to: o.directory)
        return report
    }
}
