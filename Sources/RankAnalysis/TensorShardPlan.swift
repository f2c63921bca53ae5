/// How the tensors of one `rank` run are split into N shards, so that N
/// machines (a Slurm job array, GNU parallel) each analyse a share of similar
/// cost and `rank merge` reassembles the run.
///
/// The rule (``rule``) is stable: it depends only on the tensors' names and
/// shapes, never on the thread count or the machine.
/// 1. Each tensor gets a cost: m·n·min(m, n) for an m×n matrix (the order of
///    its SVD), the element count for a vector.
/// 2. Tensors are sorted by cost, most expensive first, ties broken by name
///    (ascending by Unicode scalars).
/// 3. In that order, each tensor goes to the shard with the least cost so far,
///    the lowest-numbered one on a tie (greedy longest-processing-time first).
///
/// A shard may receive no tensor when N exceeds the tensor count.
public struct TensorShardPlan: Sendable, Equatable {
    /// The rule in words, recorded in each shard's provenance.
    public static let rule = "cost m·n·min(m,n) per matrix, element count per vector; descending cost, then name; " +
        "each to the least-loaded shard (lowest number on a tie)"

    /// The number of shards, N.
    public let count: Int
    /// The shard (1…N) of each tensor, matrices and vectors, by name.
    public let assignment: [String: Int]
    /// The summed cost of each shard, index k − 1.
    public let loads: [Double]

    /// The plan of `pairing`'s matrices and vectors over `count` shards.
    ///
    /// - Precondition: `count ≥ 1`.
    public init(pairing: TensorPairing, count: Int) {
        precondition(count >= 1, "TensorShardPlan: count must be at least 1, got \(count)")
        let items = pairing.matrices.map { ($0.name, Self.cost(rows: $0.rows, cols: $0.cols)) }
            + pairing.vectors.map { ($0.name, Double($0.base.elementCount)) }
        self.init(costs: items, count: count)
    }

    /// The plan of named costs over `count` shards (see the type's rule).
    ///
    /// - Precondition: `count ≥ 1` and the names are distinct.
    public init(costs: [(name: String, cost: Double)], count: Int) {
        precondition(count >= 1, "TensorShardPlan: count must be at least 1, got \(count)")
        let sorted = costs.sorted {
            $0.cost != $1.cost ? $0.cost > $1.cost : $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars)
        }
        var loads = [Double](repeating: 0, count: count)
        var assignment: [String: Int] = [:]
        for (name, cost) in sorted {
            var best = 0
            for k in 1..<count where loads[k] < loads[best] { best = k }
            loads[best] += cost
            precondition(assignment.updateValue(best + 1, forKey: name) == nil, "TensorShardPlan: duplicate tensor '\(name)'")
        }
        self.count = count
        self.assignment = assignment
        self.loads = loads
    }

    /// The cost of an m×n matrix: m·n·min(m, n), the order of its SVD's flops.
    public static func cost(rows: Int, cols: Int) -> Double {
        Double(rows) * Double(cols) * Double(max(1, min(rows, cols)))
    }

    /// Whether `name` belongs to shard `k` (1…N).
    public func contains(_ name: String, inShard k: Int) -> Bool { assignment[name] == k }
}
