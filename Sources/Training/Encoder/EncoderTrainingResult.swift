/// The outcome of ``EncoderTrainer/run(onEpoch:)``.
public struct EncoderTrainingResult: Sendable {
    /// One record per finished epoch.
    public var epochs: [EncoderEpochRecord]
    /// The trained θ in the model's ``Models/ParameterLayout`` order.
    public var parameters: [Float]
    /// The trained θ_d (subspace) or θ_lora (LoRA: factors, then the saved tensors' offsets), `nil` in full training.
    public var trainableParameters: [Float]?
    /// Whether every step had a finite loss.
    public var status: RunStatus
    /// Where training stopped on a non-finite loss, else `nil`.
    public var divergence: String?
    /// Optimiser steps taken.
    public var steps: Int
    /// The final test logits (dropout off), test examples × classes row-major, in test-file order.
    public var testLogits: [Float]
    /// The final predicted class of every test example (first argmax of its logits).
    public var testPredictions: [Int]
    /// The final test accuracy.
    public var finalTestAccuracy: Double { epochs.last?.testAccuracy ?? 0 }
    /// The final test macro-F1.
    public var finalTestMacroF1: Double { epochs.last?.testMacroF1 ?? 0 }
    /// The best test accuracy over epochs.
    public var bestTestAccuracy: Double { epochs.map(\.testAccuracy).max() ?? 0 }

    /// A result from its fields.
    public init(epochs: [EncoderEpochRecord], parameters: [Float], trainableParameters: [Float]? = nil, status: RunStatus,
                divergence: String?, steps: Int, testLogits: [Float], testPredictions: [Int]) {
        self.epochs = epochs; self.parameters = parameters; self.trainableParameters = trainableParameters; self.status = status; self.divergence = divergence
        self.steps = steps; self.testLogits = testLogits; self.testPredictions = testPredictions
    }
}
