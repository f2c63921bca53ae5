extension RunProvenance {
    /// One shard k of N of a run split across machines, with everything a
    /// merge needs to check that the shards are complete and of one run.
    public struct Shard: Sendable, Codable, Equatable {
        /// k, from 1.
        public var index: Int
        /// N, the number of shards.
        public var count: Int
        /// How tensors were assigned to shards, in words (e.g. `TensorShardPlan.rule`).
        public var rule: String
        /// Every matrix tensor of the whole run, in the order a single run writes them.
        public var matrices: [String]
        /// Every vector tensor of the whole run, in the order a single run writes them.
        public var vectors: [String]
        /// The tensors this shard analysed: its matrices, then its vectors, each in run order.
        public var assigned: [String]

        /// Shard `index` of `count`, analysing `assigned` out of the run's `matrices` and `vectors`.
        public init(index: Int, count: Int, rule: String, matrices: [String], vectors: [String], assigned: [String]) {
            self.index = index
            self.count = count
            self.rule = rule
            self.matrices = matrices
            self.vectors = vectors
            self.assigned = assigned
        }
    }
}
