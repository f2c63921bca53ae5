/// A planned run of a sweep: position, subspace dimension (0 = full-training
/// baseline) and seed.
public struct SweepRun: Sendable, Hashable, Codable {
    public var index: Int
    public var d: Int
    public var seed: UInt64

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
