/// A planned run of a sweep: position, subspace dimension (0 = full-training
/// baseline), seed, and the learning rate of a sweep over learning rates.
public struct SweepRun: Sendable, Hashable, Codable {
    /// The position in the sweep plan.
    public var index: Int
    /// The subspace dimension (the rank in a LoRA sweep); 0 for a full-training baseline.
    public var d: Int
    /// The run's seed.
    public var seed: UInt64
    /// The run's learning rate from the plan's ``SweepPlan/learningRates``; `nil`: the sweep's own
    /// (a baseline's is always the baselines' rate).
    public var learningRate: Float?

    /// A planned run.
    public init(index: Int, d: Int, seed: UInt64, learningRate: Float? = nil) {
        self.index = index
        self.d = d
        self.seed = seed
        self.learningRate = learningRate
    }

    /// True for a full-training baseline run.
    public var isBaseline: Bool { d == 0 }

    /// The run's folder under `runs/`: `full-seed3` or `d750-seed3`, `d750-lr0.003-seed3` with a
    /// learning rate from the plan's list.
    public var directoryName: String {
        if isBaseline { return "full-seed\(seed)" }
        return "d\(d)-" + (learningRate.map { "lr\($0)-" } ?? "") + "seed\(seed)"
    }
}
