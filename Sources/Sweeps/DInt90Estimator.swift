import Projections

/// d_int90 from a sweep's runs (Li et al. 2018): the smallest d whose mean
/// test accuracy over seeds reaches `threshold × baseline`.
///
/// Two baselines are used on the same runs: the mean accuracy of the
/// sweep's own full-training runs (d = 0), giving ``DInt90Estimate/dInt90``,
/// and a fixed one (`--baseline`, default 1.0, so a threshold of 0.9 means
/// 90 % accuracy, Li et al.'s MNIST criterion), giving
/// ``DInt90Estimate/dInt90Absolute``. Diverged runs are left out of every
/// mean and counted; a d whose runs all diverged never qualifies. The
/// spread comes from a bootstrap over seeds: each replicate resamples, for
/// the baseline and for every d independently, its ok runs with
/// replacement and recomputes both d_int90 values.
///
/// **Learning rates.** A sweep over learning rates (``SweepPlan/learningRates``) has several
/// runs per (d, seed). At every d > 0 the estimator uses the rate with the best mean accuracy
/// over its ok runs (ties: the smaller rate; a rate whose runs all diverged never wins over one
/// with a mean) and only that rate's runs; the choice is made once on all runs (the bootstrap
/// resamples the seeds of the chosen rate) and recorded with every rate's mean in
/// ``DInt90Estimate/Dimension/lrSearch``. The baselines (d = 0) have one rate. With
/// `chooseLearningRate` off (a sweep without a list of rates) every run of a d counts whatever
/// rate it records, so a journal begun before runs recorded their rate still resumes to one group.
public enum DInt90Estimator {
    /// Mean accuracy of the ok runs per d (absent when a d has none).
    public static func means(_ records: [SweepRecord], accuracy: SweepAccuracy) -> [Int: Double] {
        var out: [Int: Double] = [:]
        for (d, values) in okValues(records, accuracy: accuracy) where !values.isEmpty {
            out[d] = values.reduce(0, +) / Double(values.count)
        }
        return out
    }

    static func okValues(_ records: [SweepRecord], accuracy: SweepAccuracy) -> [Int: [Double]] {
        var out: [Int: [Double]] = [:]
        for r in records {
            if out[r.d] == nil { out[r.d] = [] }
            if r.status == .ok { out[r.d]!.append(accuracy == .final ? r.finalTestAccuracy : r.bestTestAccuracy) }
        }
        return out
    }

    /// The smallest d > 0 with mean ≥ target, or nil.
    static func smallest(_ means: [Int: Double], target: Double) -> Int? {
        means.keys.filter { $0 > 0 && means[$0]! >= target }.min()
    }

    /// The learning rate chosen at every d > 0 and every rate's mean, ascending by rate (`nil`
    /// first): see the type's documentation.
    static func learningRates(_ records: [SweepRecord], accuracy: SweepAccuracy, choose: Bool = true)
        -> (chosen: [Int: Double?], search: [Int: [DInt90Estimate.LearningRateMean]]) {
        var chosen: [Int: Double?] = [:]
        var search: [Int: [DInt90Estimate.LearningRateMean]] = [:]
        for (d, runs) in Dictionary(grouping: records, by: \.d) {
            guard choose else {
                // One group: the rate the runs record (the first that records one).
                let v = runs.filter { $0.status == .ok }.map { accuracy == .final ? $0.finalTestAccuracy : $0.bestTestAccuracy }
                let lr = runs.lazy.compactMap(\.learningRate).first
                chosen[d] = lr
                search[d] = [.init(lr: lr, runs: runs.count, ok: v.count, meanAccuracy: v.isEmpty ? nil : v.reduce(0, +) / Double(v.count))]
                continue
            }
            let groups = Dictionary(grouping: runs, by: \.learningRate)
            let rates = groups.keys.sorted { ($0 ?? -.infinity) < ($1 ?? -.infinity) }
            var best: (lr: Double?, mean: Double?)? = nil
            var list: [DInt90Estimate.LearningRateMean] = []
            for lr in rates {
                let g = groups[lr]!
                let v = g.filter { $0.status == .ok }.map { accuracy == .final ? $0.finalTestAccuracy : $0.bestTestAccuracy }
                let mean = v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
                list.append(.init(lr: lr, runs: g.count, ok: v.count, meanAccuracy: mean))
                if best == nil || (mean != nil && (best!.mean == nil || mean! > best!.mean!)) { best = (lr, mean) }
            }
            chosen[d] = best!.lr
            search[d] = list
        }
        return (chosen, search)
    }

    /// The estimate and its bootstrap spread.
    ///
    /// - Parameters:
    ///   - threshold: the fraction of the baseline to reach (0.9 for d_int90).
    ///   - absoluteBaseline: the fixed baseline of ``DInt90Estimate/dInt90Absolute``.
    ///   - replicates: bootstrap replicates (0 for none); replicate b uses
    ///     stream `(seed, bootstrap, index: b)`.
    ///   - chooseLearningRate: choose each d's best rate (see the type's documentation); off for
    ///     a sweep without a list of rates.
    public static func estimate(_ records: [SweepRecord], threshold: Double, absoluteBaseline: Double = 1,
                                accuracy: SweepAccuracy = .final, replicates: Int = 1000, seed: UInt64 = 0,
                                chooseLearningRate: Bool = true) -> DInt90Estimate {
        let (chosen, search) = learningRates(records, accuracy: accuracy, choose: chooseLearningRate)
        let everyRecord = records
        let records = chooseLearningRate ? everyRecord.filter { r in chosen[r.d].map { $0 == r.learningRate } ?? true } : everyRecord
        let values = okValues(records, accuracy: accuracy)
        let m = means(records, accuracy: accuracy)
        let baseline = m[0]
        let target = baseline.map { threshold * $0 }
        let targetAbsolute = threshold * absoluteBaseline
        var dims: [DInt90Estimate.Dimension] = []
        for d in values.keys.sorted() {
            let all = records.filter { $0.d == d }
            let v = values[d]!
            let mean = v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            let std: Double? = v.count < 2 ? nil : (v.map { ($0 - mean!) * ($0 - mean!) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
            let f1 = all.filter { $0.status == .ok }.compactMap { accuracy == .final ? $0.finalTestMacroF1 : $0.bestTestMacroF1 }
            dims.append(.init(d: d, lr: chosen[d] ?? nil, lrSearch: search[d] ?? [],
                              meanMacroF1: f1.isEmpty ? nil : f1.reduce(0, +) / Double(f1.count),
                              runs: all.count, ok: v.count, diverged: all.count - v.count,
                              meanAccuracy: mean, stdAccuracy: std, minAccuracy: v.min(), maxAccuracy: v.max()))
        }
        // Bootstrap.
        var rel: [Int?] = [], abs: [Int?] = [], base: [Double] = []
        let ds = values.keys.sorted()
        for b in 0..<max(0, replicates) {
            let stream = RandomStream(seed: seed, kind: .bootstrap, index: b)
            var w = 0
            var rm: [Int: Double] = [:]
            for d in ds {
                let v = values[d]!
                guard !v.isEmpty else { continue }
                var s = 0.0
                for _ in 0..<v.count {
                    s += v[RandomStream.integer(word: stream.word(w), below: v.count)]
                    w += 1
                }
                rm[d] = s / Double(v.count)
            }
            if let b0 = rm[0] {
                base.append(b0)
                rel.append(smallest(rm, target: threshold * b0))
            }
            abs.append(smallest(rm, target: targetAbsolute))
        }
        let boot = replicates > 0 ? DInt90Estimate.Bootstrap(
            replicates: replicates, seed: seed,
            dInt90: .init(rel), dInt90Absolute: .init(abs),
            baselineAccuracy: base.isEmpty ? nil : .init(base.map { $0 })) : nil
        return DInt90Estimate(
            threshold: threshold, accuracy: accuracy, baselineAccuracy: baseline, baselineRuns: values[0]?.count ?? 0,
            absoluteBaseline: absoluteBaseline, targetAccuracy: target, targetAccuracyAbsolute: targetAbsolute,
            dInt90: target.flatMap { smallest(m, target: $0) }, dInt90Absolute: smallest(m, target: targetAbsolute),
            dimensions: dims, bootstrap: boot, majorityTestAccuracy: everyRecord.lazy.compactMap(\.majorityTestAccuracy).first)
    }
}
