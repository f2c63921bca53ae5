/// Which runs a sweep makes, in order.
///
/// A grid plan runs the full-training baselines first (one per seed), then
/// every d in ascending order, each with every seed. A search plan
/// (``SweepSearch``) decides its next d from the results so far. Seeds are
/// `firstSeed, firstSeed+1, …`.
public struct SweepPlan: Sendable {
    /// The grid: baselines, then (d, seed) in ascending d.
    public static func grid(dimensions: [Int], seeds: Int, firstSeed: UInt64 = 0) -> [SweepRun] {
        var runs: [SweepRun] = []
        for s in 0..<seeds { runs.append(SweepRun(index: runs.count, d: 0, seed: firstSeed + UInt64(s))) }
        for d in Array(Set(dimensions)).sorted() {
            for s in 0..<seeds { runs.append(SweepRun(index: runs.count, d: d, seed: firstSeed + UInt64(s))) }
        }
        return runs
    }

    /// Shard `k` of `n` (1-based): runs whose index ≡ k − 1 (mod n), so a
    /// Slurm array or GNU parallel spreads a grid over machines and
    /// `sweep merge` puts the pieces back together.
    public static func shard(_ runs: [SweepRun], k: Int, of n: Int) -> [SweepRun] {
        precondition(n >= 1 && (1...n).contains(k), "SweepPlan: shard \(k)/\(n)")
        return runs.filter { $0.index % n == k - 1 }
    }
}
