import CheckpointIO
import Foundation
import RankAnalysis

/// The files of a rank analysis, for pandas and notebooks.
///
/// - `rank_summary.csv`: one row per matrix tensor, columns ``summaryColumns``
///   (fixed order; new columns are only ever appended). With `--top-k K` a metric
///   the top K do not determine (``RankAnalysis/RankMetrics/beyondK``) is an empty
///   cell, and `beyond_k` lists those columns, `;`-separated; `method` is `exact` or
///   `randomized`, `top_k` is K (empty without `--top-k`), `tail_energy` is
///   1 − Σ_{i≤K} σᵢ² / ‖ΔW‖²_F (0 when every σ is reported).
/// - `spectra.csv`: long format `tensor,index,sigma,energy_cumulative`,
///   index from 1, energy_cumulative = Σ_{i≤index} σᵢ² / ‖ΔW‖²_F (only the top K
///   rows per tensor with `--top-k K`).
/// - `vector_summary.csv`: the 0-D/1-D tensors, `tensor,length,dtype,fro_norm,rel_update`.
/// - `rank_summary.json`: the summary rows (plus shape, τ and seconds per
///   tensor), the vectors, the skipped tensors with reasons, how dtypes were
///   handled, and the ``RunProvenance``.
/// - `vectors.safetensors` (only when leading vectors were asked for):
///   `<tensor>.U` (rows×k), `<tensor>.S` (k), `<tensor>.Vt` (k×cols), F64.
///
/// Each file is written atomically, `rank_summary.csv` last, so its presence
/// means the run completed.
public struct RankReport: Sendable {
    /// The columns of `rank_summary.csv`.
    public static let summaryColumns = [
        "tensor", "rows", "cols", "dtype", "fro_norm", "spectral_norm", "nuclear_norm", "stable_rank",
        "entropy_effective_rank", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95",
        "energy_rank_99", "rel_update", "noise_rank", "method", "top_k", "tail_energy", "beyond_k",
    ]
    /// The columns of `spectra.csv`.
    public static let spectraColumns = ["tensor", "index", "sigma", "energy_cumulative"]
    /// The columns of `vector_summary.csv`.
    public static let vectorColumns = ["tensor", "length", "dtype", "fro_norm", "rel_update"]

    /// How values are converted and thresholds chosen, recorded in the JSON.
    public static let dtypeHandling = """
        Stored F64/F32/F16/BF16 values are converted exactly to float64 and ΔW = tuned − base is computed \
        in float64. numerical_rank uses ε = 2^-52 when both sides are F64 and ε = 2^-23 (float32) otherwise. \
        noise_rank counts σ above τ = (√rows + √cols)·√(Σ(ulp(base)² + ulp(tuned)²)/(12·rows·cols)), \
        the spectral norm of the rounding noise of the two stored tensors. Integer and 8-bit-or-narrower \
        float tensors are skipped.
        """

    /// The analysis to write.
    public let result: RankAnalysisResult
    /// Where it came from, embedded in `rank_summary.json`.
    public let provenance: RunProvenance

    /// A report of `result`; nothing is written until ``write(to:)``.
    public init(result: RankAnalysisResult, provenance: RunProvenance) {
        self.result = result
        self.provenance = provenance
    }

    /// `rank_summary.csv`.
    public var summaryCSV: String {
        var t = CSVTable(columns: Self.summaryColumns)
        for r in result.matrices {
            let m = r.metrics
            let beyond = Set(m.beyondK)
            // A metric the top K did not determine is left empty (never a bound posing as a value).
            func cell(_ metric: RankMetrics.Metric, _ field: CSVTable.Field) -> CSVTable.Field {
                beyond.contains(metric) ? .text("") : field
            }
            t.append([.text(r.tensor), .integer(r.rows), .integer(r.cols), .text(r.dtype),
                      .real(m.frobeniusNorm), .real(m.spectralNorm), cell(.nuclearNorm, .real(m.nuclearNorm)),
                      .real(m.stableRank), cell(.entropyEffectiveRank, .real(m.entropyEffectiveRank)),
                      cell(.numericalRank, .integer(m.numericalRank)), cell(.energyRank50, .integer(m.energyRank50)),
                      cell(.energyRank90, .integer(m.energyRank90)), cell(.energyRank95, .integer(m.energyRank95)),
                      cell(.energyRank99, .integer(m.energyRank99)), .real(m.relativeUpdate),
                      cell(.noiseRank, .integer(m.noiseRank)), .text(r.method.rawValue),
                      r.topK.map { .integer($0) } ?? .text(""), .real(r.tailEnergyFraction),
                      .text(m.beyondK.map(\.rawValue).joined(separator: ";"))])
        }
        return t.text
    }

    /// `spectra.csv`.
    public var spectraCSV: String {
        var t = CSVTable(columns: Self.spectraColumns)
        for r in result.matrices {
            for (i, (s, e)) in zip(r.singularValues, r.cumulativeEnergy).enumerated() {
                t.append([.text(r.tensor), .integer(i + 1), .real(s), .real(e)])
            }
        }
        return t.text
    }

    /// `vector_summary.csv`.
    public var vectorCSV: String {
        var t = CSVTable(columns: Self.vectorColumns)
        for v in result.vectors {
            t.append([.text(v.tensor), .integer(v.length), .text(v.dtype), .real(v.frobeniusNorm), .real(v.relativeUpdate)])
        }
        return t.text
    }

    private struct TensorRow: Encodable {
        let r: TensorRankResult
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: DynamicKey.self)
            let m = r.metrics
            let beyond = Set(m.beyondK)
            // Undetermined metrics are null (see RankMetrics.beyondK).
            func put<T: Encodable>(_ value: T, _ key: String, _ metric: RankMetrics.Metric? = nil) throws {
                if let metric, beyond.contains(metric) { try c.encodeNil(forKey: DynamicKey(stringValue: key)) } else {
                    try c.encode(value, forKey: DynamicKey(stringValue: key))
                }
            }
            try c.encode(r.tensor, forKey: "tensor")
            try c.encode(r.shape, forKey: "shape")
            try c.encode(r.rows, forKey: "rows")
            try c.encode(r.cols, forKey: "cols")
            try c.encode(r.dtype, forKey: "dtype")
            try c.encode(m.frobeniusNorm, forKey: "fro_norm")
            try c.encode(r.frobeniusNormSquared, forKey: "fro_norm_squared")
            try c.encode(m.spectralNorm, forKey: "spectral_norm")
            try put(m.nuclearNorm, "nuclear_norm", .nuclearNorm)
            try c.encode(m.stableRank, forKey: "stable_rank")
            try put(m.entropyEffectiveRank, "entropy_effective_rank", .entropyEffectiveRank)
            try put(m.numericalRank, "numerical_rank", .numericalRank)
            try put(m.energyRank50, "energy_rank_50", .energyRank50)
            try put(m.energyRank90, "energy_rank_90", .energyRank90)
            try put(m.energyRank95, "energy_rank_95", .energyRank95)
            try put(m.energyRank99, "energy_rank_99", .energyRank99)
            try c.encode(m.relativeUpdate, forKey: "rel_update")
            try put(m.noiseRank, "noise_rank", .noiseRank)
            try c.encode(r.method.rawValue, forKey: "method")
            try c.encode(r.topK, forKey: "top_k")
            try c.encode(r.tailEnergyFraction, forKey: "tail_energy")
            try c.encode(m.beyondK.map(\.rawValue), forKey: "beyond_k")
            try c.encode(m.noiseThreshold, forKey: "noise_threshold")
            try c.encode(r.seconds, forKey: "seconds")
        }
    }

    private struct VectorRow: Encodable {
        let v: VectorUpdateResult
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: DynamicKey.self)
            try c.encode(v.tensor, forKey: "tensor")
            try c.encode(v.length, forKey: "length")
            try c.encode(v.dtype, forKey: "dtype")
            try c.encode(v.frobeniusNorm, forKey: "fro_norm")
            try c.encode(v.relativeUpdate, forKey: "rel_update")
        }
    }

    private struct Document: Encodable {
        let provenance: RunProvenance
        let dtypeHandling: String
        let tensors: [TensorRow]
        let vectors: [VectorRow]
        let skipped: [SkippedTensor]
        enum CodingKeys: String, CodingKey {
            case provenance, tensors, vectors, skipped
            case dtypeHandling = "dtype_handling"
        }
    }

    /// `rank_summary.json`.
    public func json() throws -> String {
        let doc = Document(provenance: provenance, dtypeHandling: Self.dtypeHandling,
                           tensors: result.matrices.map(TensorRow.init), vectors: result.vectors.map(VectorRow.init),
                           skipped: result.skipped)
        return try JSONReport.encode(doc)
    }

    /// `vectors.safetensors`, or `nil` when no vectors were computed.
    public var vectorsFile: SafetensorsWriter? {
        let withVectors = result.matrices.filter { $0.leadingVectors != nil }
        guard !withVectors.isEmpty else { return nil }
        var w = SafetensorsWriter(metadata: ["format": "intrinsic-dim", "content": "leading singular triplets of ΔW"])
        for r in withVectors {
            let v = r.leadingVectors!
            w.add("\(r.tensor).U", shape: [v.u.rows, v.u.cols], float64: v.u.storage)
            w.add("\(r.tensor).S", shape: [v.singularValues.count], float64: v.singularValues)
            w.add("\(r.tensor).Vt", shape: [v.vt.rows, v.vt.cols], float64: v.vt.storage)
        }
        return w
    }

    /// Writes every file into `directory` (created if missing), together
    /// (``CheckpointIO/AtomicFile/writeTogether(_:)``): a failure or an
    /// interrupt leaves the old files or none, never a mix; `rank_summary.csv` last.
    public func write(to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try AtomicFile.writeTogether { files in
            if let v = vectorsFile { try v.write(to: path("vectors.safetensors"), into: &files) }
            try files.write(text: spectraCSV, to: path("spectra.csv"))
            try files.write(text: vectorCSV, to: path("vector_summary.csv"))
            try files.write(text: try json(), to: path("rank_summary.json"))
            try files.write(text: summaryCSV, to: path("rank_summary.csv"))
        }
    }
}
