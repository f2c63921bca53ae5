/// A doubling-then-bisection search for the smallest d that reaches a target
/// accuracy, spending runs near the threshold.
///
/// Baselines run first (every seed), which fixes the target
/// (threshold × measured baseline, or × a given absolute baseline). Then d
/// doubles from `start` until the mean accuracy over seeds reaches the
/// target (or d would exceed `limit`); then the interval between the last d
/// below and the first d at or above the target is bisected until it is
/// narrower than `resolution` (relative: stop when hi − lo ≤ resolution·hi).
/// Each new d runs every seed. The search is a pure function of the results
/// so far, so a resumed search repeats the same decisions.
public struct SweepSearch: Sendable, Hashable, Codable {
    /// The first d tried after the baselines (capped at ``limit``).
    public var start: Int
    /// The largest d tried; doubling stops there.
    public var limit: Int
    /// Bisection stops when hi − lo ≤ resolution·hi (a fraction, e.g. 0.05).
    public var resolution: Double
    /// Seeds run at every d (and for the baseline).
    public var seeds: Int
    /// The first seed; seeds are firstSeed, firstSeed + 1, ….
    public var firstSeed: UInt64

    /// A search; see the type's documentation for the schedule.
    public init(start: Int, limit: Int, resolution: Double, seeds: Int, firstSeed: UInt64 = 0) {
        self.start = start
        self.limit = limit
        self.resolution = resolution
        self.seeds = seeds
        self.firstSeed = firstSeed
    }

    /// The next runs to make given `records` (in index order), or `[]` when
    /// the search is over. `target(baseline)` gives the accuracy to reach.
    public func next(after records: [SweepRecord], accuracy: SweepAccuracy,
                     target: (_ baseline: Double) -> Double) -> [SweepRun] {
        var byD: [Int: [SweepRecord]] = [:]
        for r in records { byD[r.d, default: []].append(r) }
        /// The runs of `d` still missing (seeds in order), or nil when all are done.
        func missing(_ d: Int) -> [SweepRun]? {
            let done = Set((byD[d] ?? []).map(\.seed))
            let todo = (0..<seeds).map { firstSeed + UInt64($0) }.filter { !done.contains($0) }
            if todo.isEmpty { return nil }
            return todo.enumerated().map { SweepRun(index: records.count + $0.offset, d: d, seed: $0.element) }
        }
        /// Mean accuracy of a finished d over its ok runs (−∞ when all diverged).
        func mean(_ d: Int) -> Double {
            DInt90Estimator.means(byD[d] ?? [], accuracy: accuracy)[d] ?? -.infinity
        }
        if let m = missing(0) { return m }
        let goal = target(mean(0))
        var d = min(start, limit)
        var below = 0
        var above: Int? = nil
        while above == nil {
            if let m = missing(d) { return m }
            if mean(d) >= goal { above = d } else {
                below = d
                if d >= limit { return [] }
                d = min(d * 2, limit)
            }
        }
        var hi = above!
        var lo = below
        while Double(hi - lo) > resolution * Double(hi) && hi - lo > 1 {
            let mid = (lo + hi) / 2
            if let m = missing(mid) { return m }
            if mean(mid) >= goal { hi = mid } else { lo = mid }
        }
        return []
    }
}

/// Which test accuracy of a run counts for d_int90.
public enum SweepAccuracy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The accuracy after the last epoch.
    case final
    /// The best end-of-epoch accuracy.
    case best
}
