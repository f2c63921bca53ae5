/// The metrics after one epoch (a row of `metrics.csv`).
public struct EpochRecord: Sendable, Hashable, Codable {
    /// 1-based epoch.
    public var epoch: Int
    /// Optimiser steps taken so far.
    public var step: Int
    /// Mean cross-entropy (nats, without the L2 term) over the epoch's
    /// training batches, at the weights each batch saw.
    public var trainLoss: Double
    /// Fraction of the epoch's training examples predicted correctly, as they were seen.
    public var trainAccuracy: Double
    /// Mean cross-entropy on the whole test set at the epoch's end.
    public var testLoss: Double
    /// Test accuracy at the epoch's end.
    public var testAccuracy: Double
    /// Wall time since training started (seconds).
    public var seconds: Double

    /// A record from its fields.
    public init(epoch: Int, step: Int, trainLoss: Double, trainAccuracy: Double, testLoss: Double, testAccuracy: Double,
                seconds: Double) {
        self.epoch = epoch; self.step = step; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss; self.testAccuracy = testAccuracy; self.seconds = seconds
    }
}
