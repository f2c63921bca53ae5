import LinearAlgebra

/// The spectrum and metrics of one matrix update ΔW.
public struct TensorRankResult: Sendable {
    /// The tensor's name.
    public let tensor: String
    /// The stored shape.
    public let shape: [Int]
    /// Rows of the analysed matrix (`shape[0]`).
    public let rows: Int
    /// Columns of the analysed matrix (product of `shape[1...]`).
    public let cols: Int
    /// The dtype label (``TensorPair/dtypeLabel``).
    public let dtype: String
    /// σ₁ ≥ … ≥ σₖ of ΔW, k = min(rows, cols); only the leading min(K, k) when a
    /// top K was asked for (``topK``).
    public let singularValues: [Double]
    /// ‖ΔW‖²_F: Σσ² over the full spectrum (exact method), or Σ ΔWᵢⱼ² computed from
    /// ΔW itself (randomized method, where the tail σ are unknown).
    public let frobeniusNormSquared: Double
    /// How ``singularValues`` were computed (``SpectrumMethod/exact`` or ``SpectrumMethod/randomized``).
    public let method: SpectrumMethod
    /// The K of `--top-k`, or `nil` when the whole spectrum was asked for.
    public let topK: Int?
    /// The metrics computed from them.
    public let metrics: RankMetrics
    /// The leading singular triplets when vectors were asked for.
    public let leadingVectors: SingularValueDecomposition<Double>?
    /// Wall time spent on this tensor, seconds.
    public let seconds: Double

    /// A result from its parts (``RankAnalyzer`` computes them; `rank merge`
    /// reads them back from a shard's files). `frobeniusNormSquared` defaults to
    /// Σσ² (right when `singularValues` is the whole spectrum).
    public init(tensor: String, shape: [Int], rows: Int, cols: Int, dtype: String, singularValues: [Double],
                frobeniusNormSquared: Double? = nil, method: SpectrumMethod = .exact, topK: Int? = nil,
                metrics: RankMetrics, leadingVectors: SingularValueDecomposition<Double>?, seconds: Double) {
        self.tensor = tensor
        self.shape = shape
        self.rows = rows
        self.cols = cols
        self.dtype = dtype
        self.singularValues = singularValues
        self.frobeniusNormSquared = frobeniusNormSquared ?? singularValues.reduce(0) { $0 + $1 * $1 }
        self.method = method
        self.topK = topK
        self.metrics = metrics
        self.leadingVectors = leadingVectors
        self.seconds = seconds
    }

    /// Σ_{j≤i} σⱼ² / ‖ΔW‖²_F for each i of ``singularValues`` (all 0 for a zero
    /// update). With a top K the denominator is still the whole ‖ΔW‖²_F, so the last
    /// value is the fraction of the energy the top K hold.
    public var cumulativeEnergy: [Double] {
        let total = frobeniusNormSquared
        var cum = 0.0
        return singularValues.map { s in
            cum += s * s
            return total > 0 ? cum / total : 0
        }
    }

    /// 1 − Σ_{i≤K} σᵢ² / ‖ΔW‖²_F: the fraction of the energy beyond the reported
    /// values (0 when the whole spectrum is reported or the update is zero).
    public var tailEnergyFraction: Double {
        guard frobeniusNormSquared > 0, singularValues.count < min(rows, cols) else { return 0 }
        let seen = singularValues.reduce(0) { $0 + $1 * $1 }
        return max(0, 1 - seen / frobeniusNormSquared)
    }
}
