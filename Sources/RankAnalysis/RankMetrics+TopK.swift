import Foundation

extension RankMetrics {
    /// The relative bound below which the unseen tail Σ_{i>K} σᵢ is treated as
    /// negligible for the nuclear norm and the entropy effective rank: they are
    /// determined when √((k − K)·tail energy) ≤ 1e-6 · Σ_{i≤K} σᵢ.
    public static let tailTolerance = 1e-6

    /// The metrics from the top K singular values σ₁ ≥ … ≥ σ_K of an m×n update
    /// (k = min(m, n)) and its exact energy ‖ΔW‖²_F, as a randomized SVD gives them.
    ///
    /// The tail energy E = max(0, ‖ΔW‖²_F − Σ_{i≤K} σᵢ²) bounds every unseen value:
    /// σ_{K+1} ≤ √E (and, since a randomized σ̂ᵢ never exceeds σᵢ, this holds for
    /// the estimates too). Each metric of ``Metric`` is determined or listed in
    /// ``beyondK`` by these rules:
    /// - `energy_rank_t`: determined when Σ_{i≤K} σᵢ² ≥ (t/100)·‖ΔW‖²_F (cumulative
    ///   energy(i) = Σ_{j≤i} σⱼ² / ‖ΔW‖²_F); else beyond K, and the field holds K + 1
    ///   (a lower bound).
    /// - `numerical_rank` (cutoff σ₁·max(m, n)·ε) and `noise_rank` (cutoff τ): the count
    ///   c of σᵢ above the cutoff among the top K is the answer when c < K (the
    ///   spectrum crossed the cutoff within K) or when √E ≤ cutoff (no unseen value can
    ///   exceed it); else beyond K, and the field holds K (a lower bound).
    /// - `nuclear_norm`: determined when the unseen share δ = √((k − K)·E) / Σ_{i≤K} σᵢ
    ///   (which bounds Σ_{i>K} σᵢ / Σ_{i≤K} σᵢ) is at most ``tailTolerance``;
    ///   `entropy_effective_rank` = exp(H) when the bound on the change of H,
    ///   δ·(H_K + 1 + ln((k − K)/δ)), is at most ``tailTolerance`` (H_K the entropy of
    ///   the top K renormalised). Else beyond K, and the fields hold the top-K values
    ///   (Σ_{i≤K} σᵢ, a lower bound, and exp(H_K), which is no bound).
    ///
    /// E is a difference of two sums, so it resolves the tail no better than
    /// ~√ε·‖ΔW‖_F (1.5e-8·‖ΔW‖_F): a count whose cutoff lies below that is flagged
    /// even when K equals the exact rank; ask for a K above the rank.
    /// `fro_norm` = √‖ΔW‖²_F, `spectral_norm` = σ₁, `stable_rank` = ‖ΔW‖²_F / σ₁² and
    /// `rel_update` are always determined. With K ≥ k this is
    /// ``init(singularValues:rows:cols:epsilon:noiseThreshold:baseFrobeniusNorm:)``.
    ///
    /// - Parameters:
    ///   - leadingSingularValues: σ₁ … σ_K, descending, finite, ≥ 0.
    ///   - frobeniusNormSquared: ‖ΔW‖²_F = Σ ΔWᵢⱼ², computed from ΔW itself.
    ///   - rows, cols, epsilon, noiseThreshold, baseFrobeniusNorm: as for the full spectrum.
    public init(leadingSingularValues σ: [Double], frobeniusNormSquared total: Double, rows: Int, cols: Int,
                epsilon: Double, noiseThreshold τ: Double, baseFrobeniusNorm: Double) {
        let k = min(rows, cols)
        self.init(singularValues: σ, rows: rows, cols: cols, epsilon: epsilon, noiseThreshold: τ,
                  baseFrobeniusNorm: baseFrobeniusNorm)
        let top = σ.count
        guard top < k, total > 0, let σ1 = σ.first, σ1 > 0 else { return }
        let seen = σ.reduce(0) { $0 + $1 * $1 }
        let tail = max(0, total - seen)
        let tailBound = tail.squareRoot()
        var beyond: Set<Metric> = []

        frobeniusNorm = total.squareRoot()
        stableRank = total / (σ1 * σ1)
        relativeUpdate = baseFrobeniusNorm > 0 ? frobeniusNorm / baseFrobeniusNorm : .infinity

        let levels = RankMetrics.energyLevels
        let ranks = RankMetrics.energyRanks(σ, total: total, levels: levels)
        var resolved = ranks
        let fields: [Metric] = [.energyRank50, .energyRank90, .energyRank95, .energyRank99]
        for (i, t) in levels.enumerated() where seen < t / 100 * total {
            resolved[i] = top + 1
            beyond.insert(fields[i])
        }
        (energyRank50, energyRank90, energyRank95, energyRank99) = (resolved[0], resolved[1], resolved[2], resolved[3])

        func count(above cutoff: Double, _ metric: Metric) -> Int {
            let c = σ.reduce(0) { $0 + ($1 > cutoff ? 1 : 0) }
            if c < top || tailBound <= cutoff { return c }
            beyond.insert(metric)
            return top
        }
        numericalRank = count(above: σ1 * Double(max(rows, cols)) * epsilon, .numericalRank)
        noiseRank = count(above: τ, .noiseRank)

        // δ bounds the unseen share of the nuclear norm (Cauchy–Schwarz); the entropy
        // changes by at most δ·(H_K + 1 + ln((k − K)/δ)) (the top-K renormalised, plus
        // the largest entropy a mass δ spread over k − K values can add).
        let nuclear = σ.reduce(0, +)
        let δ = (Double(k - top) * tail).squareRoot() / nuclear
        if δ > RankMetrics.tailTolerance { beyond.insert(.nuclearNorm) }
        if δ > 0 {
            let h = Foundation.log(entropyEffectiveRank)
            if δ * (h + 1 + Foundation.log(Double(k - top) / δ)) > RankMetrics.tailTolerance {
                beyond.insert(.entropyEffectiveRank)
            }
        }
        beyondK = Metric.allCases.filter(beyond.contains)
    }
}
