/// The options of full fine-tuning of an encoder classifier (``EncoderTrainer``), with
/// transformers' fine-tuning defaults where it has them.
public struct EncoderTrainingOptions: Sendable, Hashable, Codable {
    /// Passes over the training set.
    public var epochs = 3
    /// Examples per optimiser step (the last batch of an epoch may be smaller) and per evaluation batch.
    public var batchSize = 32
    /// The peak learning rate of AdamW.
    public var learningRate: Float = 1e-4
    /// AdamW's decoupled weight decay λ (not applied to biases and LayerNorm weights, as transformers' `Trainer`).
    public var weightDecay: Float = 0.01
    /// The fraction of the steps with linear warm-up (``LinearWarmupSchedule``).
    public var warmupRatio = 0.0
    /// AdamW β₁.
    public var beta1: Float = 0.9
    /// AdamW β₂.
    public var beta2: Float = 0.999
    /// AdamW ε.
    public var epsilon: Float = 1e-8
    /// Tokens per example at most ([CLS] and [SEP] included); batches are padded to their longest.
    public var maxLength = 128
    /// Seed of the example order (stream `(seed, shuffle, index: epoch)`) and of the dropout masks
    /// (``Models/DropoutStream`` with the global step).
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}

    /// Checks every value.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming the option.
    public func validate() throws(TrainingError) {
        guard epochs >= 1 else { throw .invalidOption("epochs", "must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw .invalidOption("batch-size", "must be at least 1, got \(batchSize)") }
        guard learningRate.isFinite && learningRate > 0 else { throw .invalidOption("lr", "must be positive and finite, got \(learningRate)") }
        guard weightDecay.isFinite && weightDecay >= 0 else { throw .invalidOption("weight-decay", "must be ≥ 0 and finite, got \(weightDecay)") }
        guard warmupRatio >= 0 && warmupRatio <= 1 else { throw .invalidOption("warmup-ratio", "must be in [0, 1], got \(warmupRatio)") }
        guard beta1 >= 0 && beta1 < 1 else { throw .invalidOption("beta1", "must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0 && beta2 < 1 else { throw .invalidOption("beta2", "must be in [0, 1), got \(beta2)") }
        guard epsilon.isFinite && epsilon > 0 else { throw .invalidOption("epsilon", "must be positive, got \(epsilon)") }
        guard maxLength >= 3 else { throw .invalidOption("max-length", "must be at least 3 (room for [CLS], [SEP], [SEP]), got \(maxLength)") }
    }

    enum CodingKeys: String, CodingKey {
        case epochs, seed, beta1, beta2, epsilon
        case batchSize = "batch_size", learningRate = "learning_rate", weightDecay = "weight_decay"
        case warmupRatio = "warmup_ratio", maxLength = "max_length"
    }
}
