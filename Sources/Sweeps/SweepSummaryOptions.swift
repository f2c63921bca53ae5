import Training

/// How a sweep's records become its summary (``SweepReport``, `d_int90.json`):
/// the options of ``DInt90Estimator/estimate(_:threshold:absoluteBaseline:accuracy:replicates:seed:chooseLearningRate:)``.
public struct SweepSummaryOptions: Sendable, Hashable {
    /// The fraction of the baseline to reach, in (0, 1] (0.9 for d_int90).
    public var threshold: Double = 0.9
    /// The fixed baseline of `d_int90_absolute`, an accuracy in (0, 1] (1.0: Li et al.'s criterion).
    public var absoluteBaseline: Double = 1.0
    /// Which accuracy of a run counts.
    public var accuracy: SweepAccuracy = .final
    /// Bootstrap replicates over seeds, ≥ 0 (0: no bootstrap).
    public var bootstrapReplicates: Int = 1000

    /// The defaults: threshold 0.9, absolute baseline 1.0, final accuracy, 1000 replicates.
    public init() {}

    /// Checks the ranges above.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming the option.
    public func validate() throws(TrainingError) {
        guard threshold > 0, threshold <= 1 else { throw .invalidOption("threshold", "must be in (0, 1], got \(threshold)") }
        guard absoluteBaseline > 0, absoluteBaseline <= 1 else { throw .invalidOption("baseline", "must be in (0, 1], got \(absoluteBaseline)") }
        guard bootstrapReplicates >= 0 else { throw .invalidOption("bootstrap", "must be ≥ 0, got \(bootstrapReplicates)") }
    }

    /// The summary of `records` (any order), recording `configuration` and `plannedRuns`; each d's
    /// learning rate is chosen when the configuration has `lrs` (a sweep over learning rates).
    public func report(_ records: [SweepRecord], configuration: [String: String], plannedRuns: Int?) -> SweepReport {
        let estimate = DInt90Estimator.estimate(records, threshold: threshold, absoluteBaseline: absoluteBaseline,
                                                accuracy: accuracy, replicates: bootstrapReplicates,
                                                chooseLearningRate: configuration["lrs"] != nil)
        return SweepReport(records: records, estimate: estimate, configuration: configuration, plannedRuns: plannedRuns)
    }
}
