/// The hyper-parameters of one training run. Defaults are those of Li et
/// al. (2018)'s MNIST experiments: Adam, learning rate 1e-3, β₂ = 0.99,
/// batch 128, L2 1e-5.
public struct TrainingOptions: Sendable, Hashable, Codable {
    /// Passes over the training set.
    public var epochs: Int = 10
    /// Examples per step (the last batch of an epoch may be smaller).
    public var batchSize: Int = 128
    /// Adam (default) or SGD with momentum.
    public var optimizer: OptimizerKind = .adam
    /// The step size lr (default 1e-3).
    public var learningRate: Float = 1e-3
    /// SGD's momentum μ.
    public var momentum: Float = 0.9
    /// Adam's β₁.
    public var beta1: Float = 0.9
    /// Adam's β₂ (Li et al. used 0.99).
    public var beta2: Float = 0.99
    /// Adam's ε.
    public var epsilon: Float = 1e-8
    /// λ of the penalty (λ/2)·‖θ_D‖² on every parameter (weights and biases)
    /// of the full θ_D, also in subspace training: its gradient λ·θ_D
    /// equals PyTorch's `weight_decay = λ` in full training.
    public var l2: Float = 1e-5
    /// Seeds the initial weights and the example order of each epoch.
    public var seed: UInt64 = 0
    /// Examples per forward pass when evaluating (memory only; results do not depend on it).
    public var evaluationBatch: Int = 500

    /// The defaults listed on each property (Li et al. 2018).
    public init() {}

    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming the option.
    public func validate() throws(TrainingError) {
        guard epochs >= 1 else { throw .invalidOption("epochs", "must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw .invalidOption("batch-size", "must be at least 1, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0 else { throw .invalidOption("lr", "must be a positive number, got \(learningRate)") }
        guard momentum.isFinite, (0..<1).contains(momentum) else { throw .invalidOption("momentum", "must be in [0, 1), got \(momentum)") }
        guard beta1.isFinite, (0..<1).contains(beta1) else { throw .invalidOption("beta1", "must be in [0, 1), got \(beta1)") }
        guard beta2.isFinite, (0..<1).contains(beta2) else { throw .invalidOption("beta2", "must be in [0, 1), got \(beta2)") }
        guard epsilon.isFinite, epsilon > 0 else { throw .invalidOption("epsilon", "must be positive, got \(epsilon)") }
        guard l2.isFinite, l2 >= 0 else { throw .invalidOption("l2", "must be a non-negative number, got \(l2)") }
        guard evaluationBatch >= 1 else { throw .invalidOption("evaluation-batch", "must be at least 1, got \(evaluationBatch)") }
    }
}
