import ArgumentParser
import Foundation
import IntrinsicDim

/// The options of `train` that only an encoder folder (`--model DIR`) takes.
struct EncoderArguments: ParsableArguments {
    @Option(name: .customLong("max-length"), help: ArgumentHelp("Encoder runs: tokens per example at most ([CLS]/[SEP] included); batches pad to their longest.", valueName: "n"))
    var maxLength: Int = 128
    @Option(name: .customLong("train-limit"), help: ArgumentHelp("Encoder runs: use only the first N training examples.", valueName: "n"))
    var trainLimit: Int?
    @Option(name: .customLong("weight-decay"), help: ArgumentHelp("Encoder runs: AdamW's decoupled weight decay (not on biases and LayerNorm weights).", valueName: "λ"))
    var weightDecay: Float = 0.01
    @Option(name: .customLong("warmup-ratio"), help: ArgumentHelp("Encoder runs: fraction of the steps with linear warm-up (then linear decay to 0).", valueName: "f"))
    var warmupRatio: Double = 0
    @Option(name: .customLong("test-dataset"), help: ArgumentHelp("Encoder runs with --dataset FILE: the test file (same columns and format).", valueName: "path"))
    var testDataset: String?
    @Option(name: .customLong("text-column"), help: ArgumentHelp("Encoder runs with --dataset FILE: the text column.", valueName: "name"))
    var textColumn: String = "text"
    @Option(name: .customLong("text-pair-column"), help: ArgumentHelp("Encoder runs with --dataset FILE: the second text column (sentence pairs).", valueName: "name"))
    var textPairColumn: String?
    @Option(name: .customLong("label-column"), help: ArgumentHelp("Encoder runs with --dataset FILE: the label column.", valueName: "name"))
    var labelColumn: String = "label"

    /// Whether an encoder-only option was given a non-default value.
    var isSet: Bool {
        maxLength != 128 || trainLimit != nil || weightDecay != 0.01 || warmupRatio != 0 || testDataset != nil
            || textColumn != "text" || textPairColumn != nil || labelColumn != "label"
    }
}

/// `train --model DIR --mode full`: the encoder path, a thin call into Training's ``EncoderTrainer``.
enum TrainEncoder {
    static func validate(_ t: TrainingArguments, _ e: EncoderArguments, mode: Train.Mode) throws {
        guard mode == .full else {
            throw ValidationError("--model DIR (an encoder folder): only --mode full is implemented yet (subspace and lora are not)")
        }
        if let limit = e.trainLimit, limit < 1 { throw ValidationError("--train-limit must be at least 1, got \(limit)") }
        guard e.maxLength >= 3 else { throw ValidationError("--max-length must be at least 3 (room for [CLS], [SEP], [SEP]), got \(e.maxLength)") }
        if t.initCheckpoint != nil { throw ValidationError("--init is for fc/lenet; an encoder starts from --model DIR") }
        let isCatalogued = TextDatasetCatalog.entries.contains { $0.name == t.dataset }
        if isCatalogued, e.testDataset != nil { throw ValidationError("--test-dataset is for --dataset FILE; \(t.dataset) has its own test file") }
        if !isCatalogued, e.testDataset == nil, !t.dataset.contains("/") && !t.dataset.contains(".") {
            throw ValidationError("--dataset \(t.dataset): no such text dataset (known: \(TextDatasetCatalog.entries.map(\.name).joined(separator: ", "))) or FILE with --test-dataset")
        }
        if !isCatalogued, e.testDataset == nil { throw ValidationError("--dataset FILE needs --test-dataset FILE for an encoder run") }
    }

    static func options(_ t: TrainingArguments, _ e: EncoderArguments, seed: UInt64) -> EncoderTrainingOptions {
        var o = EncoderTrainingOptions()
        o.epochs = t.epochs ?? 3
        o.batchSize = t.batchSize ?? 32
        o.learningRate = t.learningRate ?? 1e-4
        o.weightDecay = e.weightDecay
        o.warmupRatio = e.warmupRatio
        o.maxLength = e.maxLength
        o.seed = seed
        return o
    }

    static func run(folder: String, _ t: TrainingArguments, _ e: EncoderArguments, seed: UInt64, out: String) throws {
        let started = Date()
        let options = options(t, e, seed: seed)
        try options.validate()
        let task: TextTask
        if let entry = TextDatasetCatalog.entries.first(where: { $0.name == t.dataset }) {
            task = try TextTask(entry, directory: (t.dataDirectory as NSString).appendingPathComponent("text"), trainLimit: e.trainLimit)
        } else {
            task = try TextTask(train: t.dataset, test: e.testDataset!,
                                columns: TextColumns(text: e.textColumn, textPair: e.textPairColumn, label: e.labelColumn),
                                trainLimit: e.trainLimit)
        }
        let checkpoint = try EncoderCheckpoint.load(folder: folder, labels: task.labels, seed: seed)
        let tokenizer = try BertTokenizer(directory: folder)
        let trainer = try EncoderTrainer(model: checkpoint.model, parameters: checkpoint.parameters, task: task,
                                         tokenizer: tokenizer, options: options, threads: t.threads)
        let provenance = { (seconds: Double) in
            RunProvenance(command: "train", arguments: CommandLine.arguments,
                          inputs: ["model": .init(path: folder, files: []), "train": .init(path: task.train.path, files: []),
                                   "test": .init(path: task.test.path, files: [])],
                          options: ["mode": "full", "seed": String(seed), "threads": String(t.threads)],
                          startedAt: started, seconds: seconds)
        }
        var report = EncoderRunReport(model: checkpoint.model, options: options, task: task, modelFolder: folder, dataset: t.dataset,
                                      initializedTensors: checkpoint.initializedTensors, threads: t.threads, provenance: provenance(0))
        Terminal.line("train: \(folder) (\(checkpoint.model.configuration.layerCount) layers, D = \(checkpoint.model.layout.count)) on \(t.dataset) " +
                      "(\(task.train.count) train, \(task.test.count) test, \(task.labels.count) labels, max length \(options.maxLength)), full, " +
                      "\(trainer.totalSteps) steps; majority-class test accuracy \(String(format: "%.4f", task.majorityTestAccuracy))")
        var records: [EncoderEpochRecord] = []
        let result = try trainer.run { r in
            records.append(r)
            try report.writeMetrics(records, to: out)
            let eta = r.seconds / Double(r.epoch) * Double(options.epochs - r.epoch)
            Terminal.progress("epoch \(r.epoch)/\(options.epochs)  train loss \(String(format: "%.4f", r.trainLoss))  test accuracy \(String(format: "%.4f", r.testAccuracy))  macro-F1 \(String(format: "%.4f", r.testMacroF1))  elapsed \(Terminal.duration(r.seconds))  ETA \(Terminal.duration(eta))")
        }
        Terminal.endProgress()
        report = EncoderRunReport(model: checkpoint.model, options: options, task: task, modelFolder: folder, dataset: t.dataset,
                                  initializedTensors: checkpoint.initializedTensors, threads: t.threads,
                                  provenance: provenance(Date().timeIntervalSince(started)))
        try report.write(result, schedule: trainer.schedule, to: out)
        if result.status == .diverged {
            Terminal.line("train: diverged (\(result.divergence ?? "")); the files in \(out) hold the run up to that point")
            throw ExitCode(2)
        }
        Terminal.line("train: final test accuracy \(String(format: "%.4f", result.finalTestAccuracy)), macro-F1 \(String(format: "%.4f", result.finalTestMacroF1)) (majority floor \(String(format: "%.4f", task.majorityTestAccuracy))) → \(out)")
    }
}
