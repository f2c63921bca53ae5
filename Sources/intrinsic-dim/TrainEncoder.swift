import ArgumentParser
import Foundation
import IntrinsicDim

/// The options of `train` that only an encoder folder (`--model DIR`) takes.
struct EncoderArguments: ParsableArguments {
    @Option(name: .customLong("max-length"), help: ArgumentHelp("Encoder runs: tokens per example at most ([CLS]/[SEP] included); batches pad to their longest.", valueName: "n"))
    var maxLength: Int = 128
    @Option(name: .customLong("train-limit"), help: ArgumentHelp("Encoder runs: use only the first N training examples.", valueName: "n"))
    var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: ArgumentHelp("Encoder runs: evaluate on the first N test examples only (quick runs; recorded in run.json).", valueName: "n"))
    var testLimit: Int?
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
        maxLength != 128 || trainLimit != nil || testLimit != nil || weightDecay != 0.01 || warmupRatio != 0 || testDataset != nil
            || textColumn != "text" || textPairColumn != nil || labelColumn != "label"
    }
}

/// `train --model DIR --mode full|subspace|lora`: the encoder path, a thin call into Training's ``EncoderTrainer``.
enum TrainEncoder {
    /// The default peak learning rate of each mode: transformers' fine-tuning scale for full
    /// training; for LoRA the rate at which a PyTorch+PEFT r = 4 run on R8 left the majority class
    /// (1e-3 did not); for the subspace 1e-2, the best rate at d = 4,000 in our search on R8
    /// (BENCHMARKS.md, "Fine-tuning a pretrained encoder: Reuters R8 with all-MiniLM-L6-v2"). The best subspace rate falls as d grows (3e-2 won at
    /// d = 1,000, 1e-1 diverged), so a d sweep should search rates per d (`sweep --lrs`).
    static func defaultLearningRate(_ mode: Train.Mode) -> Float {
        switch mode {
        case .full: return 1e-4
        case .lora: return 3e-3
        case .subspace: return 1e-2
        }
    }

    static func validate(_ t: TrainingArguments, _ e: EncoderArguments, mode: Train.Mode, d: Int?, rank: Int?, lora: LoRAArguments) throws {
        switch mode {
        case .full:
            guard d == nil, rank == nil, !lora.isSet else { throw ValidationError("--d, --rank and the LoRA options need --mode subspace or lora") }
        case .subspace:
            guard let d else { throw ValidationError("--mode subspace needs --d") }
            guard d >= 1 else { throw ValidationError("--d must be positive, got \(d)") }
            guard rank == nil, !lora.isSet else { throw ValidationError("--rank and the LoRA options apply to --mode lora only") }
        case .lora:
            guard d == nil else { throw ValidationError("--d applies to --mode subspace only; --mode lora takes --rank") }
            guard let rank else { throw ValidationError("--mode lora needs --rank") }
            guard rank >= 1 else { throw ValidationError("--rank must be at least 1, got \(rank)") }
        }
        try validateShared(t, e, subspace: mode == .subspace)
    }

    /// The checks `train` and `sweep` make of an encoder run's options: subspace options only in
    /// subspace mode, no fc/lenet options, limits, `--max-length`, the dataset.
    static func validateShared(_ t: TrainingArguments, _ e: EncoderArguments, subspace: Bool) throws {
        if !subspace, t.perTensor || t.said || t.blockLength != nil || t.projection != .fastfood || t.projectionSeed != nil {
            throw ValidationError("--projection, --projection-seed, --per-tensor, --said and --block-length apply to --mode subspace only")
        }
        if t.optimizer != .adam || t.momentum != 0.9 || t.l2 != 1e-5 || t.classes != 10 || t.testFraction != 0.1 {
            throw ValidationError("--optimizer, --momentum, --l2, --classes and --test-fraction are for fc/lenet; an encoder run uses AdamW with --weight-decay and takes its labels from the dataset")
        }
        if let limit = e.trainLimit, limit < 1 { throw ValidationError("--train-limit must be at least 1, got \(limit)") }
        if let limit = e.testLimit, limit < 1 { throw ValidationError("--test-limit must be at least 1, got \(limit)") }
        guard e.maxLength >= 3 else { throw ValidationError("--max-length must be at least 3 (room for [CLS], [SEP], [SEP]), got \(e.maxLength)") }
        if t.initCheckpoint != nil { throw ValidationError("--init is for fc/lenet; an encoder starts from --model DIR") }
        let isCatalogued = TextDatasetCatalog.entries.contains { $0.name == t.dataset }
        if isCatalogued, e.testDataset != nil { throw ValidationError("--test-dataset is for --dataset FILE; \(t.dataset) has its own test file") }
        if !isCatalogued, e.testDataset == nil, !t.dataset.contains("/") && !t.dataset.contains(".") {
            throw ValidationError("--dataset \(t.dataset): no such text dataset (known: \(TextDatasetCatalog.entries.map(\.name).joined(separator: ", "))) or FILE with --test-dataset")
        }
        if !isCatalogued, e.testDataset == nil { throw ValidationError("--dataset FILE needs --test-dataset FILE for an encoder run") }
    }

    static func options(_ t: TrainingArguments, _ e: EncoderArguments, mode: Train.Mode, seed: UInt64) -> EncoderTrainingOptions {
        var o = EncoderTrainingOptions()
        o.epochs = t.epochs ?? 3
        o.batchSize = t.batchSize ?? 32
        o.learningRate = t.learningRate ?? defaultLearningRate(mode)
        o.weightDecay = e.weightDecay
        o.warmupRatio = e.warmupRatio
        o.beta1 = t.beta1
        o.beta2 = t.beta2 ?? 0.999
        o.epsilon = t.epsilon
        o.maxLength = e.maxLength
        o.seed = seed
        return o
    }

    /// The subspace construction of an encoder run: per-tensor Fastfood (or `--projection`), with
    /// SAID's per-tensor scales unless `--per-tensor` asks for per-tensor P alone.
    static func subspace(_ t: TrainingArguments, d: Int, seed: UInt64) -> RunSpecification.Subspace {
        RunSpecification.Subspace(projection: t.projection, d: d, projectionSeed: t.projectionSeed ?? seed, perTensor: true,
                                  said: !t.perTensor, blockLength: t.blockLength, wht: t.wht)
    }

    /// The LoRA configuration of an encoder run: `--targets` are PEFT keys (default `query,value`).
    static func lora(_ l: LoRAArguments, rank: Int) -> RunSpecification.LoRA {
        let keys = l.targets.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
            ?? ["query", "value"]
        return RunSpecification.LoRA(rank: rank, alpha: l.alpha, useRSLoRA: l.rslora, targets: keys, initialization: l.loraInit,
                                     capRank: l.capRank)
    }

    /// The full fine-tuning run these options describe (set its `subspace` or `lora` for the other modes).
    static func specification(_ t: TrainingArguments, _ e: EncoderArguments, folder: String, mode: Train.Mode, seed: UInt64) -> EncoderRunSpecification {
        EncoderRunSpecification(modelFolder: folder, dataset: t.dataset, testDataset: e.testDataset,
                                columns: TextColumns(text: e.textColumn, textPair: e.textPairColumn, label: e.labelColumn),
                                trainLimit: e.trainLimit, testLimit: e.testLimit, options: options(t, e, mode: mode, seed: seed))
    }

    static func run(folder: String, _ t: TrainingArguments, _ e: EncoderArguments, mode modeName: Train.Mode, d: Int?, rank: Int?,
                    loraArguments: LoRAArguments, seed: UInt64, out: String) throws {
        var spec = specification(t, e, folder: folder, mode: modeName, seed: seed)
        let options = spec.options
        try options.validate()
        switch modeName {
        case .full: break
        case .subspace: spec.subspace = subspace(t, d: d!, seed: seed)
        case .lora: spec.lora = lora(loraArguments, rank: rank!)
        }
        let session = try EncoderSession(spec, dataDirectory: t.dataDirectory, memoryBudget: t.memoryBudget.bytes, threads: t.threads)
        let model = session.model, task = session.task
        var what = "full"
        if let s = spec.subspace {
            try session.checkSubspace(s.d)
            what = "\(s.said ? "SAID " : "per-tensor ")\(s.projection.rawValue) d = \(s.d)"
        } else if let l = spec.lora {
            let map = try session.loraMap(l, seed: seed)
            what = "LoRA r = \(l.rank) on \(l.targets.joined(separator: ",")) (\(map.targets.count) modules) + classifier, \(map.trainableParameters) trained"
        }
        Terminal.line("train: \(folder) (\(model.configuration.layerCount) layers, D = \(model.layout.count)) on \(t.dataset) " +
                      "(\(task.train.count) train, \(task.test.count) test, \(task.labels.count) labels, max length \(options.maxLength)), \(what), " +
                      "lr \(options.learningRate), \(session.totalSteps(options)) steps; majority-class test accuracy \(String(format: "%.4f", task.majorityTestAccuracy))")
        let result = try session.run(spec, command: "train", arguments: CommandLine.arguments, into: out) { r in
            let eta = r.seconds / Double(r.epoch) * Double(options.epochs - r.epoch)
            Terminal.progress("epoch \(r.epoch)/\(options.epochs)  train loss \(String(format: "%.4f", r.trainLoss))  test accuracy \(String(format: "%.4f", r.testAccuracy))  macro-F1 \(String(format: "%.4f", r.testMacroF1))  elapsed \(Terminal.duration(r.seconds))  ETA \(Terminal.duration(eta))")
        }
        Terminal.endProgress()
        if result.status == .diverged {
            Terminal.line("train: diverged (\(result.divergence ?? "")); the files in \(out) hold the run up to that point")
            throw ExitCode(2)
        }
        Terminal.line("train: final test accuracy \(String(format: "%.4f", result.finalTestAccuracy)), macro-F1 \(String(format: "%.4f", result.finalTestMacroF1)) (majority floor \(String(format: "%.4f", task.majorityTestAccuracy))) → \(out)")
    }
}
