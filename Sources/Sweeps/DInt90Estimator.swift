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

    /// The estimate and its bootstrap spread.
    ///
    /// - Parameters:
    ///   - threshold: the fraction of the baseline to reach (0.9 for d_int90).
    ///   - absoluteBaseline: the fixed baseline of ``DInt90Estimate/dInt90Absolute``.
    ///   - replicates: bootstrap replicates (0 for none); replicate b uses
    ///     stream `(seed, bootstrap, index: b)`.
    public static func estimate(_ records: [SweepRecord], threshold: Double, absoluteBaseline: Double = 1,
                                accuracy: SweepAccuracy = .final, replicates: Int = 1000, seed: UInt64 = 0) -> DInt90Estimate {
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
            dims.append(.init(d: d, runs: all.count, ok: v.count, diverged: all.count - v.count,
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
            dimensions: dims, bootstrap: boot)
    }
}
