/// Everything one rank analysis of a checkpoint pair found.
public struct RankAnalysisResult: Sendable {
    /// One result per matrix tensor, sorted by name.
    public let matrices: [TensorRankResult]
    /// One result per vector tensor, sorted by name.
    public let vectors: [VectorUpdateResult]
    /// Tensors left out, and why (non-real dtypes, one-side-only names).
    public let skipped: [SkippedTensor]
    /// Wall time of the whole analysis, seconds.
    public let seconds: Double

    /// A result from its parts.
    public init(matrices: [TensorRankResult], vectors: [VectorUpdateResult], skipped: [SkippedTensor], seconds: Double) {
        self.matrices = matrices
        self.vectors = vectors
        self.skipped = skipped
        self.seconds = seconds
    }
}
