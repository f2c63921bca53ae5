/// A planned run of a sweep: position, subspace dimension (0 = full-training
/// baseline) and seed.
public struct SweepRun: Sendable, Hashable, Codable {
    /// The position in the sweep plan.
    public var index: Int
    /// The subspace dimension (the rank in a LoRA sweep); 0 for a full-training baseline.
    public var d: Int
    /// The run's seed.
    public var seed: UInt64

    /// A planned run.
    public init(index: Int, d: Int, seed: UInt64) {
        self.index = index
        self.d = d
        self.seed = seed
    }

    /// True for a full-training baseline run.
    public var isBaseline: Bool { d == 0 }

    /// The run's folder under `runs/`: `full-seed3` or `d750-seed3`.
    public var directoryName: String { isBaseline ? "full-seed\(seed)" : "d\(d)-seed\(seed)" }
}
