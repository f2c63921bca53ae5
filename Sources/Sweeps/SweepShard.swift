import Training

/// Shard k of N of a sweep (1 ≤ k ≤ N): the runs whose plan index ≡ k − 1 (mod N).
public struct SweepShard: Sendable, Hashable, CustomStringConvertible {
    /// This shard's number, 1-based.
    public let k: Int
    /// The number of shards.
    public let n: Int

    /// Shard `k` of `n`.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `shard` unless 1 ≤ k ≤ n.
    public init(_ k: Int, of n: Int) throws(TrainingError) {
        guard n >= 1, (1...n).contains(k) else { throw .invalidOption("shard", "must be k/N with 1 ≤ k ≤ N, got \(k)/\(n)") }
        self.k = k
        self.n = n
    }

    /// `k/N`.
    public var description: String { "\(k)/\(n)" }
}
