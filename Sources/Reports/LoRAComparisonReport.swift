import CheckpointIO
import Foundation
import RankAnalysis

/// The files of `compare`, for pandas and notebooks.
///
/// - `compare_summary.csv`: one row per adapted module, ``summaryColumns``
///   (the `full_*`, captured, error and `amplification_full` cells are empty
///   without a tuned checkpoint). Definitions: ``RankAnalysis/LoRAModuleComparison``.
/// - `subspace_similarity.csv`: `tensor,side,i,j,phi,comparison,phi_random_expected,phi_basis`, long
///   format, i and j from 1: φ(i, j) of ``RankAnalysis/SubspaceSimilarity``;
///   `comparison` is `lora_full`, `lora_lora2` or `random`; `phi_random_expected`
///   = max(i, j)/d, what independent random subspaces give on average; `phi_basis`
///   the adapters' directions (``RankAnalysis/PhiBasis``): `delta` (ΔW = s·B·A's
///   singular vectors) or `a` (A's right singular vectors, the paper's eq. 4).
/// - `spectra.csv`: `tensor,source,index,sigma,energy_cumulative`, long format, index from 1:
///   the singular values of s·B·A (`source` = `lora`), of ΔW_full (`full`, with a tuned
///   checkpoint) and of the second adapter's s·B·A (`lora2`), with the fraction of each
///   spectrum's energy Σσ² in its first `index` values (as `rank`'s `spectra.csv`).
/// - `compare_summary.json`: the rows with both spectra, the adapter's config,
///   how each module found its base tensor, and the ``RunProvenance``.
///
/// Each file is written atomically, `compare_summary.csv` last.
public struct LoRAComparisonReport: Sendable {
    /// The columns of `compare_summary.csv`.
    public static let summaryColumns = [
        "tensor", "lora_rank", "lora_scaling", "full_energy_rank_90", "lora_energy_rank_90", "full_stable_rank",
        "lora_stable_rank", "captured_energy", "optimal_rank_r_error", "lora_rel_error", "amplification_full",
        "amplification_lora", "module", "layer_kind", "rows", "cols", "lora_numerical_rank", "lora_fro_norm", "full_fro_norm",
        "full_method", "full_top_k", "full_beyond_k",
    ]
    /// The columns of `spectra.csv`.
    public static let spectraColumns = ["tensor", "source", "index", "sigma", "energy_cumulative"]
    /// The columns of `subspace_similarity.csv`.
    public static let similarityColumns = ["tensor", "side", "i", "j", "phi", "comparison", "phi_random_expected", "phi_basis"]

    /// One comparison per adapted module (``RankAnalysis/LoRAComparer/run(adapter:tuned:second:options:progress:)``).
    public let comparisons: [LoRAModuleComparison]
    /// The (first) adapter, whose config is recorded in the JSON.
    public let adapter: LoRAAdapter
    /// How a module found its base tensor, by base tensor name, for modules
    /// not matched exactly (``CheckpointIO/BoundLoRAModule/matchNote``).
    public let matchNotes: [String: String]
    /// Where the comparison came from.
    public let provenance: RunProvenance

    /// A report of `comparisons`; nothing is written until ``write(to:)``.
    public init(comparisons: [LoRAModuleComparison], adapter: LoRAAdapter, matchNotes: [String: String], provenance: RunProvenance) {
        self.comparisons = comparisons
        self.adapter = adapter
        self.matchNotes = matchNotes
        self.provenance = provenance
    }

    private static func optional(_ x: Double?) -> CSVTable.Field { x.map { .real($0) } ?? .text("") }
    private static func optional(_ x: Int?) -> CSVTable.Field { x.map { .integer($0) } ?? .text("") }

    /// `compare_summary.csv`.
    public var summaryCSV: String {
        var t = CSVTable(columns: Self.summaryColumns)
        for c in comparisons {
            t.append([.text(c.tensor), .integer(c.loraRank), .real(c.loraScaling), Self.optional(c.fullEnergyRank90),
                      .integer(c.loraEnergyRank90), Self.optional(c.fullStableRank), .real(c.loraStableRank),
                      Self.optional(c.capturedEnergy), Self.optional(c.optimalRankRError), Self.optional(c.loraRelativeError),
                      Self.optional(c.amplificationFull), .real(c.amplificationLoRA ?? .nan), .text(c.module), .text(c.kind),
                      .integer(c.rows), .integer(c.cols), .integer(c.loraNumericalRank), .real(c.loraFrobeniusNorm),
                      Self.optional(c.fullFrobeniusNorm), .text(c.fullMethod?.rawValue ?? ""), Self.optional(c.fullTopK),
                      .text(c.fullBeyondK.map(\.rawValue).joined(separator: ";"))])
        }
        return t.text
    }

    /// `spectra.csv`.
    public var spectraCSV: String {
        var t = CSVTable(columns: Self.spectraColumns)
        for c in comparisons {
            for (source, sigma) in [("lora", c.loraSingularValues), ("full", c.fullSingularValues), ("lora2", c.secondSingularValues)] {
                guard let sigma else { continue }
                // ΔW_full's top K are fractions of the whole ‖ΔW_full‖²_F.
                let total = (source == "full" ? c.fullFrobeniusNormSquared : nil) ?? sigma.reduce(0) { $0 + $1 * $1 }
                var running = 0.0
                for (i, s) in sigma.enumerated() {
                    running += s * s
                    t.append([.text(c.tensor), .text(source), .integer(i + 1), .real(s), .real(total > 0 ? running / total : 0)])
                }
            }
        }
        return t.text
    }

    /// `subspace_similarity.csv`.
    public var similarityCSV: String {
        var t = CSVTable(columns: Self.similarityColumns)
        for c in comparisons {
            for s in c.similarities {
                for i in 0..<s.phi.rows {
                    for j in 0..<s.phi.cols {
                        t.append([.text(c.tensor), .text(s.side), .integer(i + 1), .integer(j + 1),
                                  .real(s.phi[i, j]), .text(s.comparison), .real(s.expectedRandom(i: i + 1, j: j + 1)),
                                  .text(s.basis.rawValue)])
                    }
                }
            }
        }
        return t.text
    }

    private struct Row: Encodable {
        let c: LoRAModuleComparison
        let note: String?
        func encode(to encoder: any Encoder) throws {
            var k = encoder.container(keyedBy: DynamicKey.self)
            try k.encode(c.tensor, forKey: "tensor")
            try k.encode(c.module, forKey: "module")
            try k.encode(c.kind, forKey: "layer_kind")
            try k.encode(c.rows, forKey: "rows")
            try k.encode(c.cols, forKey: "cols")
            try k.encode(c.loraRank, forKey: "lora_rank")
            try k.encode(c.loraScaling, forKey: "lora_scaling")
            try k.encode(c.loraNumericalRank, forKey: "lora_numerical_rank")
            try k.encode(c.loraEnergyRank90, forKey: "lora_energy_rank_90")
            try k.encode(c.loraStableRank, forKey: "lora_stable_rank")
            try k.encode(c.loraFrobeniusNorm, forKey: "lora_fro_norm")
            try k.encode(c.amplificationLoRA, forKey: "amplification_lora")
            try k.encode(c.loraSingularValues, forKey: "lora_singular_values")
            try k.encodeIfPresent(c.fullEnergyRank90, forKey: "full_energy_rank_90")
            try k.encodeIfPresent(c.fullStableRank, forKey: "full_stable_rank")
            try k.encodeIfPresent(c.fullFrobeniusNorm, forKey: "full_fro_norm")
            try k.encodeIfPresent(c.capturedEnergy, forKey: "captured_energy")
            try k.encodeIfPresent(c.optimalRankRError, forKey: "optimal_rank_r_error")
            try k.encodeIfPresent(c.loraRelativeError, forKey: "lora_rel_error")
            try k.encodeIfPresent(c.amplificationFull, forKey: "amplification_full")
            try k.encodeIfPresent(c.fullSingularValues, forKey: "full_singular_values")
            try k.encodeIfPresent(note, forKey: "base_tensor_match")
            try k.encodeIfPresent(c.fullMethod?.rawValue, forKey: "full_method")
            try k.encodeIfPresent(c.fullTopK, forKey: "full_top_k")
            if c.fullMethod != nil { try k.encode(c.fullBeyondK.map(\.rawValue), forKey: "full_beyond_k") }
        }
    }

    private struct AdapterInfo: Encodable {
        let path: String, r: Int, loraAlpha: Double, useRSLoRA: Bool, fanInFanOut: Bool
        let baseModelNameOrPath: String?, modulesToSave: [String], otherTensors: [String]
        enum CodingKeys: String, CodingKey {
            case path, r
            case loraAlpha = "lora_alpha", useRSLoRA = "use_rslora", fanInFanOut = "fan_in_fan_out"
            case baseModelNameOrPath = "base_model_name_or_path", modulesToSave = "modules_to_save", otherTensors = "other_tensors"
        }
    }

    private struct Document: Encodable {
        let provenance: RunProvenance
        let adapter: AdapterInfo
        let modules: [Row]
    }

    /// `compare_summary.json`.
    public func json() throws -> String {
        let c = adapter.config
        return try JSONReport.encode(Document(
            provenance: provenance,
            adapter: AdapterInfo(path: adapter.path, r: c.rank, loraAlpha: c.alpha, useRSLoRA: c.useRSLoRA, fanInFanOut: c.fanInFanOut,
                                 baseModelNameOrPath: c.baseModelNameOrPath, modulesToSave: c.modulesToSave,
                                 otherTensors: adapter.otherTensors),
            modules: comparisons.map { Row(c: $0, note: matchNotes[$0.tensor]) }))
    }

    /// Writes the files into `directory` (created if missing), `compare_summary.csv` last.
    public func write(to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try AtomicFile.write(text: similarityCSV, to: path("subspace_similarity.csv"))
        try AtomicFile.write(text: spectraCSV, to: path("spectra.csv"))
        try AtomicFile.write(text: try json(), to: path("compare_summary.json"))
        try AtomicFile.write(text: summaryCSV, to: path("compare_summary.csv"))
    }
}
