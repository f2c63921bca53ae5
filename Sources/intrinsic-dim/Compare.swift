import ArgumentParser
import Foundation
import IntrinsicDim

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a LoRA adapter's updates s·B·A with a full fine-tune's ΔW (LoRA paper §7).",
        discussion: """
            Every matrix is taken in the out × in layout of a PyTorch Linear. For each adapted module: the \
            effective ranks of ΔW_lora and (with --tuned) ΔW_full = tuned − base, the energy of ΔW_full that \
            the adapter's directions capture, the best rank-r error, the adapter's error, the amplification \
            factors, and the subspace similarity φ(i, j) between their singular directions; with --adapter2, \
            φ between the two adapters and a random baseline. Writes compare_summary.csv, \
            subspace_similarity.csv and compare_summary.json into --out. With --top-k K (raised to the \
            adapter's rank) and --method randomized or auto, only ΔW_full's top K triplets are computed.
            φ takes an adapter's directions from the singular vectors of ΔW = s·B·A (--phi-basis delta, the \
            default: unchanged by A → R·A, B → B·R⁻¹, which leave the model unchanged) or, with --phi-basis a, \
            from the right singular vectors of A alone, as the LoRA paper's eq. 4 (Hu et al. 2021) and its \
            Fig. 3 do (input side only). For i < r the two order directions differently, so φ(1, j) differs.
            A PEFT adapter of a BertForSequenceClassification (modules bert.…) binds to its BertModel base \
            (no prefix) by suffix, and its tensors meet a run folder's (bert.…) across the prefix, as rank pairs them.
            """)

    @Option(help: ArgumentHelp("The base checkpoint the adapter was trained on.", valueName: "path"))
    var base: String

    @Option(help: ArgumentHelp("The PEFT adapter folder.", valueName: "dir"))
    var adapter: String

    @Option(help: ArgumentHelp("A full fine-tune of the same base.", valueName: "path"))
    var tuned: String?

    @Option(help: ArgumentHelp("A second adapter of the same base (another rank or seed).", valueName: "dir"))
    var adapter2: String?

    @Option(help: ArgumentHelp("The output directory (created if missing).", valueName: "dir"))
    var out: String

    @Option(name: .customLong("prefix-map"), help: ArgumentHelp("Rename module paths starting with OLD to NEW before finding base tensors (repeatable).", valueName: "OLD=NEW"))
    var prefixMap: [String] = []

    @Option(name: .customLong("max-directions"), help: ArgumentHelp("Directions of ΔW_full in φ (default 64).", valueName: "n"))
    var maxDirections: Int = 64

    @Option(help: ArgumentHelp("Seed of the random baseline.", valueName: "n"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Modules compared at once (default: all cores).", valueName: "n"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("top-k"),
            help: ArgumentHelp("Compute only the top K singular triplets of ΔW_full (default: all).", valueName: "K"))
    var topK: Int?

    @Option(name: .customLong("phi-basis"), help: ArgumentHelp(
        "φ's directions of an adapter: delta (singular vectors of ΔW = s·B·A, left and right) or a (right singular vectors of A alone, the LoRA paper's eq. 4 and Fig. 3; right side only).",
        valueName: "basis"))
    var phiBasis: PhiBasis = .delta

    @OptionGroup var spectrum: SpectrumArguments

    func validate() throws {
        _ = try PrefixMap.parse(prefixMap)
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        if topK == nil && spectrum.method == .randomized {
            throw ValidationError("--method randomized needs --top-k K (the number of singular values to compute)")
        }
        guard maxDirections >= 1 else { throw ValidationError("--max-directions must be at least 1, got \(maxDirections)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        try reportingFailures("compare") {
            let started = Date()
            let map = try PrefixMap.parse(prefixMap)
            let first = try LoRAAdapter(path: adapter)
            let second = try adapter2.map { try LoRAAdapter(path: $0) }
            let baseCheckpoint = try Checkpoint.open(base)
            let tunedCheckpoint = try tuned.map { try Checkpoint.open($0) }
            let bound = try first.bind(to: baseCheckpoint, prefixMap: map)
            let bound2 = try second?.bind(to: baseCheckpoint, prefixMap: map)
            for b in bound { if let note = b.matchNote { Terminal.line("compare: module '\(b.module.path)': \(note)") } }
            for b in bound { if let note = b.layoutNote, (b.module.kind == .conv1D) != first.config.fanInFanOut { Terminal.line("compare: module '\(b.module.path)': \(note)") } }
            for a in [first] + (second.map { [$0] } ?? []) where !a.fullTensors.isEmpty {
                Terminal.warning("compare: ignoring \(a.fullTensors.count) non-LoRA tensors of \(a.weightsPath) (compared is ΔW = s·B·A of the LoRA factors only; listed as other_tensors in compare_summary.json): \(a.otherTensors.joined(separator: ", "))")
            }
            let names = tunedCheckpoint.map { LoRAComparer.names(adapter: bound, tuned: $0) } ?? .identity
            if names != .identity { Terminal.line("compare: \(names.rule)") }
            var options = LoRAComparer.Options()
            options.maxFullDirections = maxDirections
            options.seed = seed
            options.jobs = jobs
            options.topK = topK
            options.method = spectrum.method ?? .exact
            options.sketch = spectrum.sketch
            options.phiBasis = phiBasis
            let comparisons = try LoRAComparer.run(adapter: bound, tuned: tunedCheckpoint, second: bound2, names: names,
                                                   options: options) { p in
                Terminal.progress("[\(p.done)/\(p.total)] \(p.lastTensor)  elapsed \(Terminal.duration(p.elapsed))")
            }
            Terminal.endProgress()
            var inputs: [String: RunProvenance.Input] = ["base": .init(baseCheckpoint),
                                                         "adapter": .init(path: adapter, files: [])]
            if let tunedCheckpoint { inputs["tuned"] = .init(tunedCheckpoint) }
            if let adapter2 { inputs["adapter2"] = .init(path: adapter2, files: []) }
            var recorded = ["prefix_map": prefixMap.joined(separator: " "), "max_directions": String(maxDirections),
                            "seed": String(seed), "jobs": String(jobs), "top_k": topK.map(String.init) ?? "",
                            "phi_basis": phiBasis.rawValue]
            recorded.merge(spectrum.provenance(default: .exact)) { a, _ in a }
            if names != .identity { recorded["name_rule"] = names.rule }
            let provenance = RunProvenance(
                command: "compare", arguments: CommandLine.arguments, inputs: inputs,
                options: recorded,
                startedAt: started, seconds: Date().timeIntervalSince(started))
            let notes = Dictionary(bound.compactMap { b in b.matchNote.map { (b.tensor, $0) } }, uniquingKeysWith: { a, _ in a })
            try LoRAComparisonReport(comparisons: comparisons, adapter: first, matchNotes: notes, provenance: provenance).write(to: out)
            Terminal.line("compare: \(comparisons.count) modules in \(Terminal.duration(Date().timeIntervalSince(started))) → \(out)")
        }
    }
}

extension PhiBasis: ExpressibleByArgument {}
