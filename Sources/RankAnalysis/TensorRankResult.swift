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
    /// σ₁ ≥ … ≥ σₖ of ΔW, k = min(rows, cols).
    public let singularValues: [Double]
    /// The metrics computed from them.
    public let metrics: RankMetrics
    /// The leading singular triplets when vectors were asked for.
    public let leadingVectors: SingularValueDecomposition<Double>?
    /// Wall time spent on this tensor, seconds.
    public let seconds: Double

    /// A result from its parts (``RankAnalyzer`` computes them; `rank merge`
    /// reads them back from a shard's files).
    public init(tensor: String, shape: [Int], rows: Int, cols: Int, dtype: String, singularValues: [Double],
                metrics: RankMetrics, leadingVectors: SingularValueDecomposition<Double>?, seconds: Double) {
        self.tensor = tensor
        self.shape = shape
        self.rows = rows
        self.cols = cols
        self.dtype = dtype
        self.singularValues = singularValues
        self.metrics = metrics
        self.leadingVectors = leadingVectors
        self.seconds = seconds
    }

    /// Σ_{i≤k} σᵢ² / Σσ² for each k (all 0 for a zero update).
    public var cumulativeEnergy: [Double] {
        let total = singularValues.reduce(0) { $0 + $1 * $1 }
        var cum = 0.0
        return singularValues.map { s in
            cum += s * s
            return total > 0 ? cum / total : 0
        }
    }
}
