extension RankMetrics {
    /// The metrics that depend on singular values beyond the top K, and so may be
    /// undetermined when only the top K are known (``RankMetrics/beyondK``). Raw
    /// values are the `rank_summary.csv` column names.
    ///
    /// The others are always determined from the top K and ‖ΔW‖²_F:
    /// `fro_norm` (from ΔW itself), `spectral_norm` (σ₁), `stable_rank` (‖ΔW‖²_F/σ₁²)
    /// and `rel_update`.
    public enum Metric: String, Sendable, Hashable, CaseIterable, Codable {
        /// `nuclear_norm`, Σσ over all values.
        case nuclearNorm = "nuclear_norm"
        /// `entropy_effective_rank`, from every pᵢ = σᵢ/Σσ.
        case entropyEffectiveRank = "entropy_effective_rank"
        /// `numerical_rank`, a count that may exceed K.
        case numericalRank = "numerical_rank"
        /// `energy_rank_50`.
        case energyRank50 = "energy_rank_50"
        /// `energy_rank_90`.
        case energyRank90 = "energy_rank_90"
        /// `energy_rank_95`.
        case energyRank95 = "energy_rank_95"
        /// `energy_rank_99`.
        case energyRank99 = "energy_rank_99"
        /// `noise_rank`, a count that may exceed K.
        case noiseRank = "noise_rank"
    }
}
