/// The metrics of one finished epoch of ``EncoderTrainer``.
public struct EncoderEpochRecord: Sendable, Hashable, Codable {
    /// 1-based epoch.
    public var epoch: Int
    /// Optimiser steps taken so far.
    public var step: Int
    /// Mean training cross-entropy (nats) of the epoch's batches, dropout on, before each step's update.
    public var trainLoss: Double
    /// Accuracy on the epoch's training batches, dropout on, before each step's update.
    public var trainAccuracy: Double
    /// Mean test cross-entropy (nats), dropout off.
    public var testLoss: Double
    /// Test accuracy, dropout off.
    public var testAccuracy: Double
    /// Test macro-F1 (``ClassificationMetrics/macroF1(predictions:labels:classCount:)``).
    public var testMacroF1: Double
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    /// Wall time since the start of training, in seconds.
    public var seconds: Double

    /// A record from its fields.
    public init(epoch: Int, step: Int, trainLoss: Double, trainAccuracy: Double, testLoss: Double,
                testAccuracy: Double, testMacroF1: Double, learningRate: Double, seconds: Double) {
        self.epoch = epoch; self.step = step; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss; self.testAccuracy = testAccuracy; self.testMacroF1 = testMacroF1
        self.learningRate = learningRate; self.seconds = seconds
    }
}
