import ArgumentParser
import Foundation
import IntrinsicDim

struct ExtractLoRA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract-lora",
        abstract: "Extract a PEFT LoRA adapter from a full fine-tune by truncated SVD of each ΔW.",
        discussion: """
            For every ≥2-D tensor in both --base and --tuned, ΔW = tuned − base (float64) is factored as \
            B = U_r·Σ_r (out × r), A = V_rᵀ (r × in) with α = r, so s = 1 and B·A is ΔW's best rank-r \
            approximation. Writes into --out a folder PEFT loads with PeftModel.from_pretrained \
            (adapter_model.safetensors, adapter_config.json with rank_pattern/alpha_pattern where a \
            module's rank differs) plus extraction.csv (tensor,rank,retained_energy,rel_error,…) and \
            extraction.json. Embedding tables (by name, --embeddings) are written as lora_embedding_A/B; \
            convolution kernels as out × in × kh × kw factors; 1-D tensors are listed, not extracted. \
            A run folder of a model with a head (BertForSequenceClassification, names bert.…) against the \
            bare base it started from (BertModel, no prefix) pairs across the prefix; modules take the head \
            model's names, and the new head (classifier.*) is saved whole as modules_to_save with the task_type \
            of the run's config.json (SEQ_CLS). \
            --method randomized (or auto: for matrices with r + p ≤ min(rows, cols)/4) computes only the top \
            K = r singular triplets (K = --max-rank with --energy) by randomized SVD; retained_energy and \
            rel_error stay exact (from ‖ΔW‖²_F).
            """)

    @Option(help: ArgumentHelp("The base (pre-fine-tuning) checkpoint.", valueName: "path"))
    var base: String

    @Option(help: ArgumentHelp("The fully fine-tuned checkpoint.", valueName: "path"))
    var tuned: String

    @Option(help: ArgumentHelp("The same rank r for every module (clamped to min(rows, cols)).", valueName: "r"))
    var rank: Int?

    @Option(help: ArgumentHelp("Per module, the smallest rank holding this fraction of ‖ΔW‖²_F (0 < e ≤ 1).", valueName: "e"))
    var energy: Double?

    @Option(name: .customLong("min-rank"), help: ArgumentHelp("No module below this rank.", valueName: "n"))
    var minRank: Int = 1

    @Option(name: .customLong("max-rank"), help: ArgumentHelp("No module above this rank.", valueName: "n"))
    var maxRank: Int?

    @Option(help: ArgumentHelp("The output folder (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Extract only tensors whose name matches this regular expression (repeatable).", valueName: "regex"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Skip tensors whose name matches this regular expression (repeatable).", valueName: "regex"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("Tensors that are embedding tables (regular expression searched in the name).", valueName: "regex"))
    var embeddings: String = LoRAExtractionOptions.defaultEmbeddings

    @Flag(name: .customLong("fan-in-fan-out"), help: "2-D weights are stored in × out (GPT-2's Conv1D).")
    var fanInFanOut = false

    @Option(help: ArgumentHelp("Factor dtype in the adapter: f32, bf16, f16 or f64.", valueName: "dtype"))
    var dtype: String = "f32"

    @Option(help: ArgumentHelp("Tensors processed at once (default: all cores).", valueName: "n"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var spectrum: SpectrumArguments

    var storedDType: DType? { ["f32": .f32, "bf16": .bf16, "f16": .f16, "f64": .f64][dtype.lowercased()] }

    func validate() throws {
        guard (rank == nil) != (energy == nil) else { throw ValidationError("give exactly one of --rank and --energy") }
        if let rank, rank < 1 { throw ValidationError("--rank must be at least 1, got \(rank)") }
        if let energy, !(energy > 0 && energy <= 1) { throw ValidationError("--energy must be in (0, 1], got \(energy)") }
        guard minRank >= 1 else { throw ValidationError("--min-rank must be at least 1, got \(minRank)") }
        if let maxRank, maxRank < minRank { throw ValidationError("--max-rank \(maxRank) is below --min-rank \(minRank)") }
        guard storedDType != nil else { throw ValidationError("--dtype must be f32, bf16, f16 or f64, got '\(dtype)'") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if spectrum.method == .randomized && energy != nil && maxRank == nil {
            throw ValidationError("--method randomized with --energy needs --max-rank (the top K to compute)")
        }
    }

    func run() throws {
        try reportingFailures("extract-lora") {
            let started = Date()
            let filter = try TensorFilter(include: include, exclude: exclude)
            let baseCheckpoint = try Checkpoint.open(base)
            let tunedCheckpoint = try Checkpoint.open(tuned)
            let pairing = try TensorPairing(base: baseCheckpoint, tuned: tunedCheckpoint, filter: filter)
            if pairing.names != .identity { Terminal.line("extract-lora: \(pairing.names.rule)") }
            // PEFT's task type of the tuned model, for an adapter that carries its new head (read before any work).
            let taskType = try ModelFolderConfig.near(tuned)?.peftTaskType
            guard !pairing.matrices.isEmpty else {
                throw RankCommandError("no ≥2-D tensor pairs to extract in \(base) and \(tuned) (after --include/--exclude)")
            }
            var options = try LoRAExtractionOptions(rule: rank.map { .fixed($0) } ?? .energy(energy!), embeddings: embeddings)
            options.minRank = minRank
            options.maxRank = maxRank
            options.fanInFanOut = fanInFanOut
            options.jobs = jobs
            options.method = spectrum.method ?? .exact
            options.sketch = spectrum.sketch
            // A failed run leaves no folder it created (the spool is gone by then, so rmdir finds it empty).
            let outExisted = FileManager.default.fileExists(atPath: out)
            try ReportDirectory.create(out)
            let result: LoRAExtractionResult
            do {
                result = try extract(pairing, options: options, started: started, taskType: taskType,
                                     inputs: ["base": .init(baseCheckpoint), "tuned": .init(tunedCheckpoint)])
            } catch {
                if !outExisted { rmdir(out) }
                throw error
            }
            let params = result.rows.reduce(0) { $0 + $1.parameters }
            let skipped = result.notExtracted.isEmpty ? "" : "; \(result.notExtracted.count) tensors not extracted (listed in extraction.json)"
            Terminal.line("extract-lora: \(result.rows.count) modules, \(params) LoRA parameters in \(Terminal.duration(result.seconds))\(skipped) → \(out)")
        }
    }

    /// Extracts into `out` (which exists): the factors go to a scratch file there as each module is done
    /// (``LoRAAdapterSpool``), so memory holds about `jobs` modules' factors, not the whole adapter's.
    private func extract(_ pairing: TensorPairing, options: LoRAExtractionOptions, started: Date, taskType: String?,
                         inputs: [String: RunProvenance.Input]) throws -> LoRAExtractionResult {
        let spool = try LoRAAdapterSpool(folder: out, dtype: storedDType!)
        let result = try LoRAExtractor.run(pairing, options: options, progress: { p in
            Terminal.progress("[\(p.done)/\(p.total)] \(p.lastTensor)  elapsed \(Terminal.duration(p.elapsed))  ETA \(Terminal.duration(p.estimatedRemaining))")
        }, consume: { m in try spool.add(module: m.module, kind: m.kind, b: m.b, a: m.a, kernel: m.kernel) })
        Terminal.endProgress()
        for s in result.notExtracted { Terminal.warning("tensor '\(s.tensor)' not extracted: \(s.reason)") }
        for t in result.newHead { Terminal.line("extract-lora: tensor '\(t.name)': new head, no base tensor: saved whole (modules_to_save)") }
        guard !result.rows.isEmpty else {
            throw RankCommandError("nothing to extract: every update of a Linear/Conv/Embedding weight is zero, or there is none (\(result.notExtracted.count) tensors not extracted)")
        }
        var recorded: [String: String] = [
            "rank": rank.map(String.init) ?? "", "energy": energy.map { "\($0)" } ?? "",
            "min_rank": String(minRank), "max_rank": maxRank.map(String.init) ?? "",
            "include": include.joined(separator: " "), "exclude": exclude.joined(separator: " "),
            "embeddings": embeddings, "fan_in_fan_out": String(fanInFanOut), "dtype": dtype, "jobs": String(jobs)
        ]
        recorded.merge(spectrum.provenance(default: .exact)) { a, _ in a }
        if pairing.names != .identity { recorded["name_rule"] = pairing.names.rule }
        let provenance = RunProvenance(command: "extract-lora", arguments: CommandLine.arguments, inputs: inputs,
                                       options: recorded, startedAt: started, seconds: Date().timeIntervalSince(started))
        try LoRAExtractionReport(result: result, provenance: provenance, dtype: storedDType!, baseModel: base,
                                 taskType: taskType, spool: spool).write(to: out)
        return result
    }
}
