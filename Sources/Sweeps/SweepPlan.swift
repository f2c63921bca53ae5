/// Which runs a sweep makes, in order.
///
/// A grid plan runs the full-training baselines first (one per seed), then
/// every size (d, or the rank r of a LoRA sweep) in ascending order, each with
/// every learning rate of ``learningRates`` (ascending; none: the sweep's own) and every
/// seed. A search plan (``SweepSearch``) decides its next d from the
/// results so far. Seeds are `firstSeed, firstSeed+1, …`. A plan with a
/// ``shard`` makes only every N-th run of its grid (``shard(_:k:of:)``).
public struct SweepPlan: Sendable, Hashable {
    /// How a plan chooses its sizes.
    public enum Sizes: Sendable, Hashable {
        /// These sizes (d, or ranks), each with every seed; order and repeats do not matter.
        case grid([Int])
        /// A doubling-then-bisection search on d (``SweepSearch``): the first d tried, the
        /// largest (`nil`: D), the relative bracket width at which it stops, and what it aims at.
        case search(start: Int, limit: Int?, resolution: Double, target: SearchTarget)
    }

    /// What a search aims at: threshold × the measured baselines' mean, or threshold × the
    /// summary's fixed absolute baseline.
    public enum SearchTarget: String, Sendable, Hashable, CaseIterable {
        /// threshold × the mean accuracy of the baseline runs.
        case measured
        /// threshold × ``SweepSummaryOptions/absoluteBaseline``.
        case absolute
    }

    /// The sizes swept.
    public var sizes: Sizes
    /// Seeds per size (and baseline runs), ≥ 1.
    public var seeds: Int
    /// The first seed; seeds are firstSeed, firstSeed + 1, ….
    public var firstSeed: UInt64
    /// Make only shard k of N of the grid (`nil`: every run); a search cannot be sharded.
    public var shard: SweepShard?
    /// The learning rates of the subspace (or LoRA) runs: each (size, learning rate, seed) is a
    /// run; `[]`: every run at the sweep's own rate. The baselines keep theirs. Order and repeats
    /// do not matter.
    public var learningRates: [Float] = []

    /// A grid over `dimensions` (d, or the ranks of a LoRA sweep) with `seeds` seeds each, at each
    /// of `learningRates` (`[]`: the sweep's own rate).
    public init(dimensions: [Int], seeds: Int, firstSeed: UInt64 = 0, shard: SweepShard? = nil, learningRates: [Float] = []) {
        sizes = .grid(dimensions)
        self.seeds = seeds
        self.firstSeed = firstSeed
        self.shard = shard
        self.learningRates = learningRates
    }

    /// A search on d from `start` up to `limit` (`nil`: D), stopping at a bracket narrower
    /// than `resolution` × d, aiming at `target`.
    public init(searchFrom start: Int, limit: Int? = nil, resolution: Double = 0.1, target: SearchTarget = .measured,
                seeds: Int, firstSeed: UInt64 = 0) {
        sizes = .search(start: start, limit: limit, resolution: resolution, target: target)
        self.seeds = seeds
        self.firstSeed = firstSeed
        shard = nil
    }

    /// The grid's sizes, sorted and without repeats (`[]` for a search).
    public var dimensions: [Int] {
        if case let .grid(ds) = sizes { return Array(Set(ds)).sorted() }
        return []
    }

    /// Whether the sizes come from a search.
    public var isSearch: Bool {
        if case .search = sizes { return true }
        return false
    }

    /// The runs of this plan's grid that its shard makes, in plan order (`[]` for a search).
    public var runs: [SweepRun] {
        guard case let .grid(ds) = sizes else { return [] }
        let grid = Self.grid(dimensions: ds, seeds: seeds, firstSeed: firstSeed, learningRates: learningRates)
        return shard.map { Self.shard(grid, k: $0.k, of: $0.n) } ?? grid
    }

    /// The learning rates swept, ascending without repeats (`[]`: none).
    public var sortedLearningRates: [Float] { Array(Set(learningRates)).sorted() }

    /// The grid: baselines, then (d, learning rate, seed) in ascending d, then ascending rate.
    public static func grid(dimensions: [Int], seeds: Int, firstSeed: UInt64 = 0, learningRates: [Float] = []) -> [SweepRun] {
        var runs: [SweepRun] = []
        for s in 0..<seeds { runs.append(SweepRun(index: runs.count, d: 0, seed: firstSeed + UInt64(s))) }
        let rates: [Float?] = learningRates.isEmpty ? [nil] : Array(Set(learningRates)).sorted()
        for d in Array(Set(dimensions)).sorted() {
            for lr in rates {
                for s in 0..<seeds { runs.append(SweepRun(index: runs.count, d: d, seed: firstSeed + UInt64(s), learningRate: lr)) }
            }
        }
        return runs
    }

    /// Shard `k` of `n` (1-based): runs whose index ≡ k − 1 (mod n), so a
    /// Slurm array or GNU parallel spreads a grid over machines and
    /// ``SweepMerge`` puts the pieces back together.
    public static func shard(_ runs: [SweepRun], k: Int, of n: Int) -> [SweepRun] {
        precondition(n >= 1 && (1...n).contains(k), "SweepPlan: shard \(k)/\(n)")
        return runs.filter { $0.index % n == k - 1 }
    }
}
