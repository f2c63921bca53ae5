import ArgumentParser
import Foundation
import IntrinsicDim

/// `experiment finetune`: subspace d_int90, LoRA r_int90 and ΔW's energy ranks from one base.
struct ExperimentFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "From one pretrained base: d_int90 of fine-tuning, LoRA's r_int90 and the rank of the full fine-tune's ΔW.",
        discussion: """
            A thin composition, each part in its own sub-folder of --out. With --model DIR (a BERT folder) the \
            folder is the base and there is no pretrain/: subspace/ is a SAID sweep (sweep --model DIR --d, \
            --subspace-lrs as sweep --lrs), lora/ a LoRA sweep on --targets (default query,value), both with the \
            full fine-tunes at --lr (default 1e-4) as baselines; rank/compare/extract-lora pair the run folders \
            with the bare base across the bert. prefix, and experiment.csv adds macro-F1 and the majority-class \
            floor. With fc/lenet: pretrain/ (train on --pretrain), \
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

    @Option(help: ArgumentHelp("fc, lenet, or a Hugging Face BERT folder (the base itself: no pretraining).", valueName: "model"))
    var model: ModelArgument = .builtin(.fc)
    @Option(help: ArgumentHelp("fc/lenet: the pretraining task: mnist, fashion-mnist or FILE.npz.", valueName: "task")) var pretrain: String?
    @Option(help: ArgumentHelp("The fine-tuning task (an encoder folder: reuters-r8, 20newsgroups or FILE with --test-dataset).", valueName: "task")) var task: String
    @Option(help: ArgumentHelp("Directory holding mnist/ and text/ (see train).", valueName: "dir")) var dataDir: String?
    @Option(help: "fc/lenet: number of classes (default 10).") var classes: Int?
    @Option(name: .customLong("d"), help: ArgumentHelp("Subspace dimensions (default 100,200,400,800,1600; 250,500,1000,2000 for an encoder folder, SAID).", valueName: "n,n,…")) var dList: String?
    @Option(help: ArgumentHelp("LoRA ranks.", valueName: "r,r,…")) var ranks: String = "1,2,4,8"
    @Option(help: ArgumentHelp("LoRA targets (default: every weight; query,value for an encoder folder).", valueName: "m,m,…")) var targets: String?
    @Option(help: "Seeds per size (and full fine-tunes).") var seeds: Int = 2
    @Option(help: "fc/lenet: pretraining epochs (default 5).") var pretrainEpochs: Int?
    @Option(help: "Fine-tuning epochs (full, subspace and LoRA; default 5, 3 for an encoder folder).") var epochs: Int?
    @Option(name: .customLong("lr"), help: "Learning rate of pretraining and full fine-tuning (default 1e-3; 1e-4 for an encoder folder).") var learningRate: Float?
    @Option(name: .customLong("subspace-lr"), help: "Learning rate of subspace runs (default --lr; 1e-2 for an encoder folder).") var subspaceLearningRate: Float?
    @Option(name: .customLong("subspace-lrs"), help: ArgumentHelp("Learning rates of the subspace sweep: every (d, lr, seed) a run, each d at its best-mean rate (sweep --lrs).", valueName: "lr,lr,…"))
    var subspaceLearningRates: String?
    @Option(name: .customLong("lora-lr"), help: "Learning rate of LoRA runs (default --lr; 3e-3 for an encoder folder).") var loraLearningRate: Float?
    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Encoder folder: examples per step (default 32).", valueName: "n")) var batchSize: Int?
    @OptionGroup var encoder: EncoderArguments
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
        if model.folder != nil {
            guard pretrain == nil, pretrainEpochs == nil, classes == nil else {
                throw ValidationError("--pretrain, --pretrain-epochs and --classes are for fc/lenet; an encoder folder is its own base and takes its labels from --task")
            }
            if let limit = encoder.trainLimit, limit < 1 { throw ValidationError("--train-limit must be at least 1, got \(limit)") }
            if let limit = encoder.testLimit, limit < 1 { throw ValidationError("--test-limit must be at least 1, got \(limit)") }
            guard encoder.maxLength >= 3 else { throw ValidationError("--max-length must be at least 3 (room for [CLS], [SEP], [SEP]), got \(encoder.maxLength)") }
            let isCatalogued = TextDatasetCatalog.entries.contains { $0.name == task }
            if isCatalogued, encoder.testDataset != nil { throw ValidationError("--test-dataset is for --task FILE; \(task) has its own test file") }
            if !isCatalogued, encoder.testDataset == nil {
                throw ValidationError("--task \(task): no such text dataset (known: \(TextDatasetCatalog.entries.map(\.name).joined(separator: ", "))) or FILE with --test-dataset")
            }
            if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be at least 1, got \(b)") }
        } else {
            guard pretrain != nil else { throw ValidationError("--model \(model.kind!.rawValue) needs --pretrain TASK (the base is trained on it first)") }
            if encoder.isSet || batchSize != nil {
                throw ValidationError("--max-length, --train-limit, --test-limit, --weight-decay, --warmup-ratio, --batch-size, --test-dataset and the column options apply to --model DIR only")
            }
        }
        guard seeds >= 1, (epochs ?? 1) >= 1, (pretrainEpochs ?? 1) >= 1, threads >= 1 else {
            throw ValidationError("--seeds, --epochs, --pretrain-epochs and --threads must be at least 1")
        }
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], got \(threshold)") }
        guard extractEnergy > 0, extractEnergy <= 1 else { throw ValidationError("--extract-energy must be in (0, 1], got \(extractEnergy)") }
        if let dList { _ = try IntegerListOption.values(dList, "--d") }
        _ = try IntegerListOption.values(ranks, "--ranks")
        _ = try learningRates()
        _ = try ShardOption.parse(shard)
        do { try experimentOptions().validate() } catch { throw ValidationError("\(error)") }
    }

    /// The rates of `--subspace-lrs` (`[]` without it).
    func learningRates() throws -> [Float] {
        guard let text = subspaceLearningRates else { return [] }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.map { $0 > 0 && $0.isFinite } ?? false }) else {
            throw ValidationError("--subspace-lrs must be comma-separated positive learning rates, got '\(text)'")
        }
        return parts.map { $0! }
    }

    /// The library's experiment these options describe.
    func experimentOptions() throws -> FineTuningExperiment.Options {
        var o: FineTuningExperiment.Options
        let dataDirectory = dataDir ?? ProcessInfo.processInfo.environment["INTRINSIC_DIM_DATA"] ?? "data"
        if let folder = model.folder {
            var training = EncoderTrainingOptions()
            training.maxLength = encoder.maxLength
            training.weightDecay = encoder.weightDecay
            training.warmupRatio = encoder.warmupRatio
            training.batchSize = batchSize ?? 32
            training.epochs = epochs ?? 3
            let spec = EncoderRunSpecification(modelFolder: folder, dataset: task, testDataset: encoder.testDataset,
                                               columns: TextColumns(text: encoder.textColumn, textPair: encoder.textPairColumn, label: encoder.labelColumn),
                                               trainLimit: encoder.trainLimit, testLimit: encoder.testLimit, options: training)
            o = FineTuningExperiment.Options(encoder: spec, directory: out)
            if let learningRate { o.learningRate = learningRate }
            if let subspaceLearningRate { o.subspaceLearningRate = subspaceLearningRate }
            if let loraLearningRate { o.loraLearningRate = loraLearningRate }
        } else {
            o = FineTuningExperiment.Options(pretrain: pretrain ?? "", task: task, directory: out)
            o.model = model.kind!
            o.classes = classes ?? 10
            o.pretrainEpochs = pretrainEpochs ?? 5
            o.epochs = epochs ?? 5
            o.learningRate = learningRate ?? 1e-3
            o.subspaceLearningRate = subspaceLearningRate
            o.loraLearningRate = loraLearningRate
        }
        o.dataDirectory = dataDirectory
        if let dList { o.dimensions = try IntegerListOption.values(dList, "--d") }
        o.ranks = try IntegerListOption.values(ranks, "--ranks")
        o.targets = targets.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
        o.seeds = seeds
        o.subspaceLearningRates = try learningRates()
        o.threshold = threshold
        o.extractEnergy = extractEnergy
        o.threads = threads
        o.wht = wht
        o.shard = try ShardOption.parse(shard).map { try SweepShard($0.k, of: $0.n) }
        return o
    }

    func run() throws {
        try reportingFailures("experiment finetune") {
            let outcome: FineTuningExperiment.Outcome
            do {
                outcome = try FineTuningExperiment(try experimentOptions()).run(progress: Self.print)
            } catch let FineTuningExperimentError.pretrainingDiverged(directory, reason) {
                Terminal.endProgress()
                Terminal.line("experiment: pretraining diverged (\(reason)); the files in \(directory) hold the run up to that point")
                throw ExitCode(2)
            }
            switch outcome {
            case let .shard(shard, directory):
                Terminal.line("experiment: shard \(shard) done → \(directory); when every shard has finished, "
                              + "run the same command without --shard to merge them and write the summary")
            case let .finished(report):
                let floor = report.majorityTestAccuracy.map { ", majority-class floor \(String(format: "%.4f", $0))" } ?? ""
                Terminal.line("experiment: full fine-tune \(report.fullAccuracy.map { String(format: "%.4f", $0) } ?? "n/a") " +
                              "(the base on the task: \(String(format: "%.4f", report.baseTaskAccuracy))\(floor)); d_int90 \(report.dInt90.map(String.init) ?? "not reached"), " +
                              "r_int90 \(report.rInt90.map(String.init) ?? "not reached") → \(out)/experiment.csv")
            }
        }
    }

    static func print(_ event: FineTuningExperimentProgress) {
        switch event {
        case let .pretraining(dataset, directory): Terminal.line("experiment: pretraining on \(dataset) → \(directory)")
        case let .pretrainingEpoch(r, epochs):
            Terminal.progress("pretraining: epoch \(r.epoch)/\(epochs)  train loss \(String(format: "%.4f", r.trainLoss))  test accuracy \(String(format: "%.4f", r.testAccuracy))")
        case let .pretrained(accuracy):
            Terminal.endProgress()
            Terminal.line("experiment: pretrained, final test accuracy \(String(format: "%.4f", accuracy))")
        case let .keepingBase(directory): Terminal.line("experiment: keeping the base in \(directory)")
        case let .encoderBase(folder): Terminal.line("experiment: the base is the encoder folder \(folder) (no pretraining)")
        case let .mergingShards(sweep, count): Terminal.line("experiment: merging \(count) shards of \(sweep)")
        case let .shardsAlreadyMerged(directory, shards):
            Terminal.line("experiment: \(directory) already has a journal; the shards in \(shards) are not merged again")
        case let .reusedBaselines(sweep, from, count):
            Terminal.line("experiment: the \(sweep) sweep starts with the \(from) sweep's \(count) full fine-tunes (the same runs, copied)")
        case let .sweep(_, progress): SweepProgressPrinter.print(progress)
        case let .sweepFinished(name, report):
            let est = report.estimate, size = report.isLoRA ? "r_int90" : "d_int90"
            Terminal.line("experiment: \(name) sweep: \(report.records.count) runs; baseline \(est.baselineAccuracy.map { String(format: "%.4f", $0) } ?? "n/a"), \(size) \(est.dInt90.map(String.init) ?? "not reached")")
        case .summarising: Terminal.line("experiment: rank, compare and extract-lora from the full fine-tunes")
        }
    }
}
