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
    public var directoryName: String {
        modeName == "lora" ? "r\(d)-seed\(seed)" : SweepRun(index: index, d: d, seed: seed).directoryName
    }

    /// The same run (plan position, d, seed) with the same outcome, ignoring wall time.
    public func sameOutcome(as other: SweepRecord) -> Bool {
        var a = self, b = other
        a.seconds = 0; b.seconds = 0
        return a == b
    }

    enum CodingKeys: String, CodingKey {
        case index, d, seed, projection, status, epochs, seconds, mode, rank
        case trainableParameters = "trainable_parameters"
        case bestTestAccuracy = "best_test_accuracy"
        case finalTestAccuracy = "final_test_accuracy"
    }
}
