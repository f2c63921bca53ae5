extension TensorPairing {
    /// The same pairing with only the matrices and vectors of shard `k` of
    /// `plan`; the skipped, one-sided and head lists stay whole, so every shard
    /// reports them as a single run does.
    ///
    /// - Precondition: `1 ≤ k ≤ plan.count`.
    public func shard(_ k: Int, of plan: TensorShardPlan) -> TensorPairing {
        precondition((1...plan.count).contains(k), "TensorPairing.shard: k = \(k) outside 1…\(plan.count)")
        return TensorPairing(matrices: matrices.filter { plan.contains($0.name, inShard: k) },
                             vectors: vectors.filter { plan.contains($0.name, inShard: k) },
                             skipped: skipped, onlyInBase: onlyInBase, onlyInTuned: onlyInTuned,
                             headOnly: headOnly, names: names)
    }
}
