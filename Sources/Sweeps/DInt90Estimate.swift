/// What `d_int90.json` holds: the two d_int90 values, their targets, the
/// per-d summary and the bootstrap spread. `nil` values are JSON `null`
/// (no baseline run finished, or no d reached the target).
public struct DInt90Estimate: Sendable, Hashable, Encodable {
    /// One learning rate tried at a d: its runs and mean accuracy.
    public struct LearningRateMean: Sendable, Hashable, Encodable {
        /// The learning rate (`nil`: runs from journals that predate the column).
        public var lr: Double?
        /// Runs finished at this d and rate.
        public var runs: Int
        /// Runs that did not diverge.
        public var ok: Int
        /// Mean test accuracy of the ok runs (`nil`: none).
        public var meanAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case lr, runs, ok
            case meanAccuracy = "mean_accuracy"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(lr, forKey: .lr)
            try c.encode(runs, forKey: .runs)
            try c.encode(ok, forKey: .ok)
            try c.encode(meanAccuracy, forKey: .meanAccuracy)
        }
    }

    /// Mean, spread and counts of one d over its seeds (d = 0: the baseline), at the learning
    /// rate chosen for it.
    public struct Dimension: Sendable, Hashable, Encodable {
        /// The subspace dimension (0: the full-training baseline).
        public var d: Int
        /// The learning rate whose runs are summarised here: of the rates tried at this d, the
        /// one with the best mean accuracy (`nil` in journals that predate the column).
        public var lr: Double? = nil
        /// Every learning rate tried at this d, ascending, with its mean (one entry without a search).
        public var lrSearch: [LearningRateMean] = []
        /// Encoder sweeps: mean test macro-F1 of the ok runs (final or best, as ``DInt90Estimate/accuracy``).
        public var meanMacroF1: Double? = nil
        /// Runs finished at this d.
        public var runs: Int
        /// Runs that did not diverge (the ones averaged).
        public var ok: Int
        /// Runs that diverged (left out of every mean).
        public var diverged: Int
        /// Mean test accuracy of the ok runs.
        public var meanAccuracy: Double?
        /// Sample standard deviation over ok seeds (n − 1), nil below 2 runs.
        public var stdAccuracy: Double?
        /// Lowest test accuracy of the ok runs.
        public var minAccuracy: Double?
        /// Highest test accuracy of the ok runs.
        public var maxAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case d, runs, ok, diverged, lr
            case meanAccuracy = "mean_accuracy", stdAccuracy = "std_accuracy"
            case minAccuracy = "min_accuracy", maxAccuracy = "max_accuracy"
            case lrSearch = "lr_search", meanMacroF1 = "mean_macro_f1"
        }
    }

    /// Quantiles of a bootstrapped quantity over the replicates where it is
    /// defined (nearest rank: the value at index round(q·(n−1)) of the
    /// sorted values), and the fraction where it is not (no d qualified).
    public struct Spread: Sendable, Hashable, Encodable {
        /// 5 % quantile.
        public var p05: Double?
        /// Median.
        public var p50: Double?
        /// 95 % quantile.
        public var p95: Double?
        /// Fraction of replicates where the quantity is undefined (no d reached the target).
        public var undefinedFraction: Double

        init(_ values: [Int?]) {
            self.init(values.compactMap { $0.map(Double.init) }, total: values.count)
        }

        init(_ values: [Double], total: Int? = nil) {
            let s = values.sorted()
            func q(_ p: Double) -> Double? { s.isEmpty ? nil : s[Int((p * Double(s.count - 1)).rounded())] }
            p05 = q(0.05); p50 = q(0.5); p95 = q(0.95)
            let n = total ?? values.count
            undefinedFraction = n == 0 ? 0 : Double(n - s.count) / Double(n)
        }

        enum CodingKeys: String, CodingKey {
            case p05, p50, p95
            case undefinedFraction = "undefined_fraction"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(p05, forKey: .p05)
            try c.encode(p50, forKey: .p50)
            try c.encode(p95, forKey: .p95)
            try c.encode(undefinedFraction, forKey: .undefinedFraction)
        }
    }

    /// The bootstrap over seeds (see ``DInt90Estimator``).
    public struct Bootstrap: Sendable, Hashable, Encodable {
        /// Number of bootstrap replicates.
        public var replicates: Int
        /// Seed of the replicates' streams.
        public var seed: UInt64
        /// Spread of d_int90 (measured baseline).
        public var dInt90: Spread
        /// Spread of d_int90 against the fixed baseline.
        public var dInt90Absolute: Spread
        /// Spread of the baseline accuracy.
        public var baselineAccuracy: Spread?

        enum CodingKeys: String, CodingKey {
            case replicates, seed
            case dInt90 = "d_int90", dInt90Absolute = "d_int90_absolute", baselineAccuracy = "baseline_accuracy"
        }
    }

    /// The fraction of the baseline to reach.
    public var threshold: Double
    /// Which accuracy of each run counted.
    public var accuracy: SweepAccuracy
    /// Mean accuracy of the sweep's full-training runs.
    public var baselineAccuracy: Double?
    /// Baseline runs that did not diverge.
    public var baselineRuns: Int
    /// The fixed baseline of the absolute estimate (`--baseline`).
    public var absoluteBaseline: Double
    /// threshold × baseline_accuracy.
    public var targetAccuracy: Double?
    /// threshold × absolute_baseline.
    public var targetAccuracyAbsolute: Double
    /// Smallest swept d whose mean accuracy reaches threshold × baseline_accuracy.
    public var dInt90: Int?
    /// Smallest swept d whose mean accuracy reaches threshold × absolute_baseline.
    public var dInt90Absolute: Int?
    /// Per-d summary, ascending d (d = 0 first).
    public var dimensions: [Dimension]
    /// The bootstrap over seeds (nil with 0 replicates).
    public var bootstrap: Bootstrap?
    /// Encoder sweeps: the accuracy of always answering the test set's most common label — the
    /// floor next to d_int90, so that a trivial 90 % is visible (`nil` otherwise).
    public var majorityTestAccuracy: Double? = nil
    /// Whether ``targetAccuracy`` is at or below ``majorityTestAccuracy`` (then d_int90 says
    /// little: the majority class alone reaches it); `nil` without either.
    public var targetBelowMajority: Bool? {
        guard let t = targetAccuracy, let m = majorityTestAccuracy else { return nil }
        return t <= m
    }
    /// The learning rate chosen at ``dInt90`` (`nil` without it).
    public var lrAtDInt90: Double? { dInt90.flatMap { d in dimensions.first { $0.d == d }?.lr } }

    enum CodingKeys: String, CodingKey {
        case threshold, accuracy, dimensions, bootstrap
        case baselineAccuracy = "baseline_accuracy", baselineRuns = "baseline_runs"
        case absoluteBaseline = "absolute_baseline", targetAccuracy = "target_accuracy"
        case targetAccuracyAbsolute = "target_accuracy_absolute"
        case dInt90 = "d_int90", dInt90Absolute = "d_int90_absolute"
        case majorityTestAccuracy = "majority_test_accuracy", targetBelowMajority = "target_below_majority"
        case lrAtDInt90 = "lr_at_d_int90"
    }

    // Encode nil as null rather than omitting keys, so every file has every field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(baselineAccuracy, forKey: .baselineAccuracy)
        try c.encode(baselineRuns, forKey: .baselineRuns)
        try c.encode(absoluteBaseline, forKey: .absoluteBaseline)
        try c.encode(targetAccuracy, forKey: .targetAccuracy)
        try c.encode(targetAccuracyAbsolute, forKey: .targetAccuracyAbsolute)
        try c.encode(dInt90, forKey: .dInt90)
        try c.encode(dInt90Absolute, forKey: .dInt90Absolute)
        try c.encode(majorityTestAccuracy, forKey: .majorityTestAccuracy)
        try c.encode(targetBelowMajority, forKey: .targetBelowMajority)
        try c.encode(lrAtDInt90, forKey: .lrAtDInt90)
        try c.encode(dimensions, forKey: .dimensions)
        try c.encode(bootstrap, forKey: .bootstrap)
    }
}
