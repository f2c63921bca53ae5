/// What one forward pass of an encoder classifier over a batch gives (the
/// logits stay in the workspace: ``BertWorkspace/logits(count:)``).
public struct EncoderBatchResult: Sendable, Equatable {
    /// Σ over the batch of the cross-entropy (nats), accumulated in Float64; 0 without labels.
    public var lossSum: Double
    /// Examples whose first argmax logit is the label; 0 without labels.
    public var correct: Int
    /// Batch size n.
    public var count: Int

    /// A result from its three fields.
    public init(lossSum: Double, correct: Int, count: Int) {
        self.lossSum = lossSum
        self.correct = correct
        self.count = count
    }
}
