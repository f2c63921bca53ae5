import ArgumentParser
import Foundation
import IntrinsicDim

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model fully, in a random subspace θ_D = θ_D⁰ + P·θ_d, or with LoRA (W = W₀ + s·B·A).",
        discussion: """
            Writes into --out: metrics.csv (one row per epoch), run.json (every option, D, d, \
            projection, final accuracy, library versions), model.safetensors (θ_D under PyTorch \
            names: fc1.weight out×in, conv1.weight out×in×kh×kw, …) and, for subspace runs, \
            theta_d.npy and projection.json; for LoRA runs, adapter/ (a PEFT LoRA folder under the model's \
            module names) with model.safetensors holding the merged weights. LoRA trains only A and B \
            (B starts at zero, A as PEFT draws it); weights, biases and untargeted layers stay at θ_D⁰ \
            (--init, or the seed's He-normal weights), and --l2 applies to A and B. Inputs are \
            pixels/255, flattened row-major.

            With --model DIR (a Hugging Face BERT folder: config.json, model.safetensors, vocab.txt) and \
            --dataset reuters-r8, 20newsgroups (in DATA_DIR/text, scripts/fetch-text-datasets.sh) or FILE \
            --test-dataset FILE (TSV/CSV/JSONL/.tab with --text-column, --label-column): fine-tuning \
            (--mode full, subspace: SAID, or lora) with AdamW as torch.optim.AdamW (β 0.9/0.999, ε 1e-8, --weight-decay not on \
            biases and LayerNorm weights), linear warm-up (--warmup-ratio) and decay to 0, dropout on in \
            training. Writes metrics.csv (with test macro-F1 and the majority-class floor), predictions.csv \
            (test logits), model.safetensors + config.json (BertForSequenceClassification.from_pretrained \
            loads the folder) and run.json.
            """)

    @OptionGroup var training: TrainingArguments
    @Option(help: "full, subspace or lora.") var mode: Mode = .full
    @Option(name: .customLong("d"), help: ArgumentHelp("Subspace dimension d (subspace mode).", valueName: "n")) var d: Int?
    @Option(help: ArgumentHelp("LoRA rank r (lora mode).", valueName: "r")) var rank: Int?
    @OptionGroup var loraOptions: LoRAArguments
    @OptionGroup var encoder: EncoderArguments
    @Option(help: "Seed of the initial weights and example order (and of P unless --projection-seed).") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var out: String

    enum Mode: String, ExpressibleByArgument { case full, subspace, lora }

    func validate() throws {
        if training.model.folder != nil {
            try TrainEncoder.validate(training, encoder, mode: mode, d: d, rank: rank, lora: loraOptions)
            return
        }
        if encoder.isSet {
            throw ValidationError("--max-length, --train-limit, --weight-decay, --warmup-ratio, --test-dataset and the column options apply to --model DIR only")
        }
        if mode != .lora {
            guard rank == nil, !loraOptions.isSet else {
                throw ValidationError("--rank, --alpha, --rslora, --targets, --lora-init and --cap-rank apply to --mode lora only")
            }
        }
        switch mode {
        case .full:
            guard d == nil else { throw ValidationError("--d applies to --mode subspace only") }
        case .subspace:
            guard let d else { throw ValidationError("--mode subspace needs --d") }
            guard d >= 1 else { throw ValidationError("--d must be positive, got \(d)") }
        case .lora:
            guard d == nil else { throw ValidationError("--d applies to --mode subspace only; --mode lora takes --rank") }
            guard let rank else { throw ValidationError("--mode lora needs --rank") }
            guard rank >= 1 else { throw ValidationError("--rank must be at least 1, got \(rank)") }
        }
    }

    func run() throws {
        try reportingFailures("train") {
            if let folder = training.model.folder {
                try TrainEncoder.run(folder: folder, training, encoder, mode: mode, d: d, rank: rank, loraArguments: loraOptions,
                                     seed: seed, out: out)
                return
            }
            let session = try training.session()
            var spec = training.specification(d: mode == .subspace ? d : nil, seed: seed)
            if mode == .lora, let rank { spec.lora = loraOptions.specification(rank: rank, layout: session.model.layout) }
            if let d = spec.subspace?.d { try session.checkSubspace(d) }
            let D = session.model.layout.count
            Terminal.line("train: \(spec.model.rawValue) on \(session.train.name) (\(session.train.count) train, \(session.test.count) test), D = \(D)" +
                          (spec.subspace.map { ", \($0.projection.rawValue) d = \($0.d)" }
                           ?? spec.lora.map { ", LoRA r = \($0.rank) on \($0.targets.joined(separator: ","))" } ?? ", full"))
            let result = try session.run(spec, command: "train", arguments: CommandLine.arguments, into: out) { r in
                let eta = r.seconds / Double(r.epoch) * Double(spec.options.epochs - r.epoch)
                Terminal.progress("epoch \(r.epoch)/\(spec.options.epochs)  train loss \(String(format: "%.4f", r.trainLoss))  test accuracy \(String(format: "%.4f", r.testAccuracy))  elapsed \(Terminal.duration(r.seconds))  ETA \(Terminal.duration(eta))")
            }
            Terminal.endProgress()
            if result.status == .diverged {
                Terminal.line("train: diverged (\(result.divergence ?? "")); the files in \(out) hold the run up to that point")
                throw ExitCode(2)
            }
            Terminal.line("train: final test accuracy \(String(format: "%.4f", result.finalTestAccuracy)) (best \(String(format: "%.4f", result.bestTestAccuracy))) → \(out)")
        }
    }
}
