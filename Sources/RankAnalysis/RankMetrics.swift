/// Effective-rank metrics of one update ΔW (rows × cols) from its singular
/// values σ₁ ≥ … ≥ σₖ (k = min(rows, cols)).
///
/// Definitions (a zero update gives 0 for every field):
/// - `frobeniusNorm` = √Σσ²; `spectralNorm` = σ₁; `nuclearNorm` = Σσ;
/// - `stableRank` = Σσ² / σ₁²;
/// - `entropyEffectiveRank` = exp(−Σ pᵢ ln pᵢ), pᵢ = σᵢ / Σσ (Roy & Vetterli 2007), 0·ln 0 = 0;
/// - `numericalRank` = #{σ > σ₁ · max(rows, cols) · ε}, NumPy's `matrix_rank` rule;
/// - `energyRank(t)` = the smallest k with Σ_{i≤k} σᵢ² ≥ (t/100) · Σσ²;
/// - `noiseRank` = #{σ > τ} for a noise threshold τ (see ``NoiseFloor``);
/// - `relativeUpdate` = ‖ΔW‖_F / ‖W_base‖_F (+∞ when the base is zero and ΔW is not).
public struct RankMetrics: Sendable, Equatable, Codable {
    /// ‖ΔW‖_F = √Σσ², in the tensor's units.
    public var frobeniusNorm: Double
    /// ‖ΔW‖₂ = σ₁.
    public var spectralNorm: Double
    /// ‖ΔW‖_* = Σσ.
    public var nuclearNorm: Double
    /// Σσ² / σ₁², in [1, min(rows, cols)] (0 for a zero update).
    public var stableRank: Double
    /// exp(−Σ pᵢ ln pᵢ) with pᵢ = σᵢ / Σσ (Roy & Vetterli 2007), in [1, min(rows, cols)] (0 for a zero update).
    public var entropyEffectiveRank: Double
    /// #{σ > σ₁ · max(rows, cols) · ε}, NumPy's `matrix_rank` rule.
    public var numericalRank: Int
    /// Energy ranks at 50, 90, 95 and 99 % of Σσ².
    public var energyRank50: Int
    /// The smallest k holding 90 % of Σσ².
    public var energyRank90: Int
    /// The smallest k holding 95 % of Σσ².
    public var energyRank95: Int
    /// The smallest k holding 99 % of Σσ².
    public var energyRank99: Int
    /// ‖ΔW‖_F / ‖W_base‖_F, a fraction (+∞ when the base is zero and ΔW is not).
    public var relativeUpdate: Double
    /// #{σ > τ}: the singular values above the storage-rounding noise floor ``noiseThreshold``.
    public var noiseRank: Int
    /// The threshold τ behind ``noiseRank``.
    public var noiseThreshold: Double

    /// The metrics the top K singular values did not determine (empty when the
    /// whole spectrum was computed), in ``Metric`` declaration order; see
    /// ``init(leadingSingularValues:frobeniusNormSquared:rows:cols:epsilon:noiseThreshold:baseFrobeniusNorm:)``
    /// for what such a field then holds.
    public var beyondK: [Metric] = []

    /// The energy percentages reported as columns.
    public static let energyLevels: [Double] = [50, 90, 95, 99]

    /// Computes the metrics.
    ///
    /// - Parameters:
    ///   - singularValues: σ in descending order, all finite and ≥ 0.
    ///   - rows, cols: ΔW's shape.
    ///   - epsilon: the ε of the numerical-rank rule (``CheckpointIO/DType/rankEpsilon``).
    ///   - noiseThreshold: τ of the noise rank.
    ///   - baseFrobeniusNorm: ‖W_base‖_F.
    public init(singularValues σ: [Double], rows: Int, cols: Int, epsilon: Double,
                noiseThreshold τ: Double, baseFrobeniusNorm: Double) {
        let total2 = σ.reduce(0) { $0 + $1 * $1 }
        let σ1 = σ.first ?? 0
        let nuclear = σ.reduce(0, +)
        frobeniusNorm = total2.squareRoot()
        spectralNorm = σ1
        nuclearNorm = nuclear
        noiseThreshold = τ
        if σ1 == 0 {
            stableRank = 0; entropyEffectiveRank = 0; numericalRank = 0
            energyRank50 = 0; energyRank90 = 0; energyRank95 = 0; energyRank99 = 0
            relativeUpdate = 0; noiseRank = 0
            return
        }
        stableRank = total2 / (σ1 * σ1)
        var h = 0.0
        for s in σ where s > 0 {
            let p = s / nuclear
            h -= p * Foundation.log(p)
        }
        entropyEffectiveRank = Foundation.exp(h)
        let cutoff = σ1 * Double(max(rows, cols)) * epsilon
        numericalRank = σ.reduce(0) { $0 + ($1 > cutoff ? 1 : 0) }
        noiseRank = σ.reduce(0) { $0 + ($1 > τ ? 1 : 0) }
        let ranks = RankMetrics.energyRanks(σ, total: total2, levels: RankMetrics.energyLevels)
        (energyRank50, energyRank90, energyRank95, energyRank99) = (ranks[0], ranks[1], ranks[2], ranks[3])
        relativeUpdate = baseFrobeniusNorm > 0 ? frobeniusNorm / baseFrobeniusNorm : .infinity
    }

    /// Metrics with the given values, as stored in a report (`rank merge`
    /// reads them back); no consistency between them is checked.
    public init(frobeniusNorm: Double, spectralNorm: Double, nuclearNorm: Double, stableRank: Double,
                entropyEffectiveRank: Double, numericalRank: Int, energyRank50: Int, energyRank90: Int,
                energyRank95: Int, energyRank99: Int, relativeUpdate: Double, noiseRank: Int, noiseThreshold: Double) {
        self.frobeniusNorm = frobeniusNorm
        self.spectralNorm = spectralNorm
        self.nuclearNorm = nuclearNorm
        self.stableRank = stableRank
        self.entropyEffectiveRank = entropyEffectiveRank
        self.numericalRank = numericalRank
        self.energyRank50 = energyRank50
        self.energyRank90 = energyRank90
        self.energyRank95 = energyRank95
        self.energyRank99 = energyRank99
        self.relativeUpdate = relativeUpdate
        self.noiseRank = noiseRank
        self.noiseThreshold = noiseThreshold
    }

    /// For each level t (percent), the smallest k with Σ_{i≤k} σᵢ² ≥ (t/100)·total.
    public static func energyRanks(_ σ: [Double], total: Double, levels: [Double]) -> [Int] {
        levels.map { t in
            let target = t / 100 * total
            var cum = 0.0
            for (i, s) in σ.enumerated() {
                cum += s * s
                if cum >= target { return i + 1 }
            }
            return σ.count
        }
    }
}

import Foundation
