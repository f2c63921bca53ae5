/// Progress of a running analysis, reported after each tensor.
public struct RankAnalysisProgress: Sendable {
    /// Tensors finished.
    public let done: Int
    /// Tensors in total.
    public let total: Int
    /// The tensor just finished.
    public let lastTensor: String
    /// Seconds since the analysis started.
    public let elapsed: Double
    /// Estimated seconds left, from the SVD cost (≈ rows·cols·min(rows, cols))
    /// of the tensors done and left.
    public let estimatedRemaining: Double
}
