import ArgumentParser
import Foundation
import IntrinsicDim

struct RankRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Effective rank of the fine-tuning update of every tensor.",
        discussion: """
            Pairs the tensors of --base and --tuned by name, computes ΔW = tuned − base in float64, \
            its singular values (LAPACK dgesdd) and effective-rank metrics, and writes into --out: \
            rank_summary.csv (one row per ≥2-D tensor), spectra.csv (long format), vector_summary.csv \
            (1-D tensors: relative update only) and rank_summary.json (rows, skipped tensors, provenance). \
            A checkpoint is a .safetensors file, a *.safetensors.index.json, a directory holding either, \
            or a NumPy .npy/.npz file. A model with a head (BertForSequenceClassification: bert.…, classifier.…) \
            pairs with the bare model it started from (BertModel: no prefix) across the prefix, reported under \
            the prefixed names; the head (classifier.*) is listed as skipped ("new head, no base tensor"). \
            With --shard k/N only shard k's tensors are analysed (every \
            shard still lists the skipped tensors); merge the N folders with `rank merge`. \
            With --top-k K only the top K singular values are reported (spectra.csv, vectors); \
            --method randomized (or auto, the default, for matrices with K + p ≤ min(rows, cols)/4) \
            computes them by randomized SVD. Energies are still fractions of the exact ‖ΔW‖²_F; a metric \
            whose answer lies beyond K is left empty and named in the beyond_k column.
            """)

    @Option(help: ArgumentHelp("The base (pre-fine-tuning) checkpoint.", valueName: "path"))
    var base: String

    @Option(help: ArgumentHelp("The fine-tuned checkpoint.", valueName: "path"))
    var tuned: String

    @Option(help: ArgumentHelp("The output directory (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Analyse only tensors whose name matches this regular expression (repeatable).", valueName: "regex"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Skip tensors whose name matches this regular expression (repeatable).", valueName: "regex"))
    var exclude: [String] = []

    @Flag(help: "Fail when a tensor is present in one checkpoint only (default: warn).")
    var strict = false

    @Option(help: ArgumentHelp("Tensors analysed at once (default: all cores). Memory ≈ jobs × 8 bytes × largest tensor.", valueName: "n"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Also save the leading k singular vectors of each ΔW to vectors.safetensors.", valueName: "k"))
    var vectors: Int = 0

    @Option(name: .customLong("top-k"),
            help: ArgumentHelp("Compute only the top K singular values of each matrix (default: all).", valueName: "K"))
    var topK: Int?

    @OptionGroup var spectrum: SpectrumArguments

    @Option(help: ArgumentHelp("Analyse only shard k of N (tensors split by a stable size-balanced rule), e.g. 2/8.", valueName: "k/N"))
    var shard: String?

    func shardPair() throws -> (k: Int, n: Int)? { try ShardOption.parse(shard) }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard vectors >= 0 else { throw ValidationError("--vectors must be ≥ 0, got \(vectors)") }
        if let topK {
            guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
            guard vectors <= topK else { throw ValidationError("--vectors \(vectors) exceeds --top-k \(topK)") }
        } else if spectrum.method == .randomized {
            throw ValidationError("--method randomized needs --top-k K (the number of singular values to compute)")
        }
        _ = try shardPair()
    }

    func run() throws {
        try reportingFailures("rank") {
            let started = Date()
            let filter = try TensorFilter(include: include, exclude: exclude)
            let baseCheckpoint = try Checkpoint.open(base)
            let tunedCheckpoint = try Checkpoint.open(tuned)
            let pairing = try TensorPairing(base: baseCheckpoint, tuned: tunedCheckpoint, filter: filter, strict: strict)
            for name in pairing.onlyInBase { Terminal.warning("tensor '\(name)' is in \(base) only; not analysed") }
            for name in pairing.onlyInTuned { Terminal.warning("tensor '\(name)' is in \(tuned) only; not analysed") }
            for s in pairing.skipped { Terminal.warning("tensor '\(s.tensor)' skipped: \(s.reason)") }
            if pairing.names != .identity { Terminal.line("rank: \(pairing.names.rule)") }
            for t in pairing.headOnly { Terminal.line("rank: tensor '\(t.name)' skipped: \(pairing.headOnlyReason)") }
            guard !pairing.matrices.isEmpty || !pairing.vectors.isEmpty else {
                throw RankCommandError("no tensor pairs to analyse in \(base) and \(tuned) (after --include/--exclude)")
            }
            var shardRecord: RunProvenance.Shard? = nil
            var analysed = pairing
            if let (k, n) = try shardPair() {
                let plan = TensorShardPlan(pairing: pairing, count: n)
                analysed = pairing.shard(k, of: plan)
                shardRecord = RunProvenance.Shard(
                    index: k, count: n, rule: TensorShardPlan.rule, matrices: pairing.matrices.map(\.name),
                    vectors: pairing.vectors.map(\.name), assigned: (analysed.matrices + analysed.vectors).map(\.name))
            }
            let result = try RankAnalyzer.run(
                analysed, options: RankAnalysisOptions(jobs: jobs, leadingVectors: vectors, topK: topK,
                                                       method: spectrum.method ?? .auto, sketch: spectrum.sketch)
            ) { p in
                Terminal.progress("[\(p.done)/\(p.total)] \(p.lastTensor)  elapsed \(Terminal.duration(p.elapsed))  ETA \(Terminal.duration(p.estimatedRemaining))")
            }
            Terminal.endProgress()
            var provenance = RunProvenance(
                command: "rank", arguments: CommandLine.arguments,
                inputs: ["base": .init(baseCheckpoint), "tuned": .init(tunedCheckpoint)],
                options: ["include": include.joined(separator: " "), "exclude": exclude.joined(separator: " "),
                          "strict": String(strict), "jobs": String(jobs), "vectors": String(vectors),
                          "top_k": topK.map(String.init) ?? ""].merging(spectrum.provenance(default: .auto)) { a, _ in a }
                    .merging(pairing.names == .identity ? [:] : ["name_rule": pairing.names.rule]) { a, _ in a },
                startedAt: started, seconds: Date().timeIntervalSince(started))
            provenance.shard = shardRecord
            try RankReport(result: result, provenance: provenance).write(to: out)
            let part = shardRecord.map { " (shard \($0.index)/\($0.count))" } ?? ""
            Terminal.line("rank\(part): \(result.matrices.count) matrices, \(result.vectors.count) vectors, \(result.skipped.count) skipped in \(Terminal.duration(result.seconds)) → \(out)")
        }
    }
}

/// A rank-command failure that is neither a file nor an analysis error.
struct RankCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
