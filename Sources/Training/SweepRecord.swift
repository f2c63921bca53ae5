/// One finished run of a sweep: a row of `sweep.csv` and a line of the journal.
public struct SweepRecord: Sendable, Hashable, Codable {
    /// The run's position in the sweep plan (execution order of a single-machine run).
    public var index: Int
    /// Subspace dimension; 0 for a full-training baseline run.
    public var d: Int
    public var seed: UInt64
    /// dense, sparse, fastfood, or `none` for a baseline.
    public var projection: String
    public var status: RunStatus
    public var bestTestAccuracy: Double
    public var finalTestAccuracy: Double
    /// Epochs completed (fewer than asked when diverged).
    public var epochs: Int
    /// Wall time of the run.
    public var seconds: Double

    public init(index: Int, d: Int, seed: UInt64, projection: String, status: RunStatus, bestTestAccuracy: Double,
                finalTestAccuracy: Double, epochs: Int, seconds: Double) {
        self.index = index
        self.d = d
        self.seed = seed
        self.projection = projection
        self.status = status
        self.bestTestAccuracy = bestTestAccuracy
        self.finalTestAccuracy = finalTestAccuracy
        self.epochs = epochs
        self.seconds = seconds
    }

    /// The same run (plan position, d, seed) with the same outcome, ignoring wall time.
    public func sameOutcome(as other: SweepRecord) -> Bool {
        var a = self, b = other
        a.seconds = 0; b.seconds = 0
        return a == b
    }

    enum CodingKeys: String, CodingKey {
        case index, d, seed, projection, status, epochs, seconds
        case bestTestAccuracy = "best_test_accuracy"
        case finalTestAccuracy = "final_test_accuracy"
    }
}
