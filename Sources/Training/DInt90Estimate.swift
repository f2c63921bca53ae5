/// What `d_int90.json` holds: the two d_int90 values, their targets, the
/// per-d summary and the bootstrap spread. `nil` values are JSON `null`
/// (no baseline run finished, or no d reached the target).
public struct DInt90Estimate: Sendable, Hashable, Encodable {
    /// Mean, spread and counts of one d over its seeds (d = 0: the baseline).
    public struct Dimension: Sendable, Hashable, Encodable {
        public var d: Int
        public var runs: Int
        public var ok: Int
        public var diverged: Int
        public var meanAccuracy: Double?
        /// Sample standard deviation over ok seeds (n − 1), nil below 2 runs.
        public var stdAccuracy: Double?
        public var minAccuracy: Double?
        public var maxAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case d, runs, ok, diverged
            case meanAccuracy = "mean_accuracy", stdAccuracy = "std_accuracy"
            case minAccuracy = "min_accuracy", maxAccuracy = "max_accuracy"
        }
    }

    /// Quantiles of a bootstrapped quantity over the replicates where it is
    /// defined (nearest rank: the value at index round(q·(n−1)) of the
    /// sorted values), and the fraction where it is not (no d qualified).
    public struct Spread: Sendable, Hashable, Encodable {
        public var p05: Double?
        public var p50: Double?
        public var p95: Double?
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
        public var replicates: Int
        public var seed: UInt64
        public var dInt90: Spread
        public var dInt90Absolute: Spread
        public var baselineAccuracy: Spread?

        enum CodingKeys: String, CodingKey {
            case replicates, seed
            case dInt90 = "d_int90", dInt90Absolute = "d_int90_absolute", baselineAccuracy = "baseline_accuracy"
        }
    }

    public var threshold: Double
    public var accuracy: SweepAccuracy
    /// Mean accuracy of the sweep's full-training runs.
    public var baselineAccuracy: Double?
    public var baselineRuns: Int
    /// The fixed baseline of the absolute estimate (`--baseline`).
    public var absoluteBaseline: Double
    /// threshold × baseline_accuracy.
    public var targetAccuracy: Double?
    /// threshold × absolute_baseline.
    public var targetAccuracyAbsolute: Double
    public var dInt90: Int?
    public var dInt90Absolute: Int?
    public var dimensions: [Dimension]
    public var bootstrap: Bootstrap?

    enum CodingKeys: String, CodingKey {
        case threshold, accuracy, dimensions, bootstrap
        case baselineAccuracy = "baseline_accuracy", baselineRuns = "baseline_runs"
        case absoluteBaseline = "absolute_baseline", targetAccuracy = "target_accuracy"
        case targetAccuracyAbsolute = "target_accuracy_absolute"
        case dInt90 = "d_int90", dInt90Absolute = "d_int90_absolute"
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
        try c.encode(dimensions, forKey: .dimensions)
        try c.encode(bootstrap, forKey: .bootstrap)
    }
}
