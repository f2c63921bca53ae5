import Training

/// One finished run of a sweep: a row of `sweep.csv` and a line of the journal.
public struct SweepRecord: Sendable, Hashable, Codable {
    /// The run's position in the sweep plan (execution order of a single-machine run).
    public var index: Int
    /// Subspace dimension (the rank in a LoRA sweep); 0 for a full-training baseline run.
    public var d: Int
    /// The run's seed (weights, example order; the projection's unless given separately).
    public var seed: UInt64
    /// dense, sparse, fastfood, or `none` for a baseline.
    public var projection: String
    /// Whether the run finished or diverged.
    public var status: RunStatus
    /// The best end-of-epoch test accuracy, a fraction in [0, 1].
    public var bestTestAccuracy: Double
    /// The last end-of-epoch test accuracy, a fraction in [0, 1].
    public var finalTestAccuracy: Double
    /// Epochs completed (fewer than asked when diverged).
    public var epochs: Int
    /// Wall time of the run.
    public var seconds: Double
    /// `full`, `subspace` or `lora` (`nil` in journals written before LoRA sweeps: full when d = 0, else subspace).
    public var mode: String? = nil
    /// The LoRA rank of a LoRA run (then `d` holds it too).
    public var rank: Int? = nil
    /// Parameters trained: D for a full run, d for a subspace run, Σ r·(in + out) for LoRA.
    public var trainableParameters: Int? = nil
    /// The run's (peak) learning rate, the shortest decimal of its Float value (`nil` in journals
    /// that predate it).
    public var learningRate: Double? = nil
    /// Encoder runs: the last end-of-epoch test macro-F1, a fraction in [0, 1] (`nil` otherwise).
    public var finalTestMacroF1: Double? = nil
    /// Encoder runs: the best end-of-epoch test macro-F1 (`nil` otherwise).
    public var bestTestMacroF1: Double? = nil
    /// Encoder runs: the accuracy of always answering the test set's most common label, the floor
    /// an accuracy must clear (`nil` otherwise).
    public var majorityTestAccuracy: Double? = nil

    /// A record; ``mode``, ``rank`` and ``trainableParameters`` start as `nil`.
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

    /// The mode, inferring it for journals that predate ``mode``.
    public var modeName: String { mode ?? (d == 0 ? "full" : "subspace") }

    /// The run's folder under the sweep's `runs/`: `full-seed3`, `d750-seed3` or `r8-seed3` (LoRA).
    public var directoryName: String { directoryName(learningRateSwept: false) }

    /// The run's folder under the sweep's `runs/`; in a sweep over learning rates
    /// (`learningRateSwept`) a subspace or LoRA run's name holds its rate: `d750-lr0.003-seed3`, `r8-lr0.003-seed3`.
    public func directoryName(learningRateSwept: Bool) -> String {
        let lr = learningRateSwept && d != 0 ? learningRate.map { "lr\(Float($0))-" } ?? "" : ""
        if modeName == "lora" { return "r\(d)-\(lr)seed\(seed)" }
        return d == 0 ? "full-seed\(seed)" : "d\(d)-\(lr)seed\(seed)"
    }

    /// The shortest decimal of a Float learning rate as a Double (0.003, not 0.0030000000260770321).
    public static func decimal(_ learningRate: Float) -> Double { Double(String(learningRate))! }

    /// The same run (plan position, d, seed) with the same outcome, ignoring wall time.
    public func sameOutcome(as other: SweepRecord) -> Bool {
        var a = self, b = other
        a.seconds = 0; b.seconds = 0
        return a == b
    }

    enum CodingKeys: String, CodingKey {
        case index, d, seed, projection, status, epochs, seconds, mode, rank
        case trainableParameters = "trainable_parameters"
        case learningRate = "lr"
        case finalTestMacroF1 = "final_test_macro_f1", bestTestMacroF1 = "best_test_macro_f1"
        case majorityTestAccuracy = "majority_test_accuracy"
        case bestTestAccuracy = "best_test_accuracy"
        case finalTestAccuracy = "final_test_accuracy"
    }
}
