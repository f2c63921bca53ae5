/// One adapted module compared with the full fine-tune (LoRA paper §7).
///
/// All matrices are in the out × in layout (``CheckpointIO/LoRAModule``).
/// `full*` fields are `nil` without a tuned checkpoint (or for a zero ΔW_full).
public struct LoRAModuleComparison: Sendable {
    /// The base weight's name as stored.
    public let tensor: String
    /// The adapter's module path.
    public let module: String
    /// The layout kind (`linear`, `conv1d`, `embedding`, `convolution`).
    public let kind: String
    /// ΔW's rows (out) and columns (in, or in·kh·kw).
    public let rows: Int, cols: Int
    /// The module's LoRA rank r and scaling s.
    public let loraRank: Int, loraScaling: Double
    /// The numerical rank of ΔW_lora = s·B·A (σ > σ₁·max(rows, cols)·2⁻⁵²).
    public let loraNumericalRank: Int
    /// Singular values of ΔW_lora (min(r, rows, cols) of them) and of ΔW_full.
    public let loraSingularValues: [Double]
    /// Singular values of ΔW_full = W_tuned − W_base, descending, min(rows, cols)
    /// of them (`nil` without a tuned checkpoint).
    public let fullSingularValues: [Double]?
    /// ‖ΔW‖_F.
    public let loraFrobeniusNorm: Double
    /// ‖ΔW_full‖_F (`nil` without a tuned checkpoint).
    public let fullFrobeniusNorm: Double?
    /// Energy rank at 90 % and stable rank (as `rank` defines them).
    public let loraEnergyRank90: Int, loraStableRank: Double
    /// The same two ranks for ΔW_full (`nil` without a tuned checkpoint).
    public let fullEnergyRank90: Int?, fullStableRank: Double?
    /// ‖U_Lᵀ ΔW_full‖²_F / ‖ΔW_full‖²_F, U_L the left singular vectors of ΔW_lora (its numerical rank of them).
    public let capturedEnergy: Double?
    /// √(Σ_{i>r} σᵢ(ΔW_full)²) / ‖ΔW_full‖_F: the best any rank-r update could do (Eckart–Young).
    public let optimalRankRError: Double?
    /// ‖ΔW_full − ΔW_lora‖_F / ‖ΔW_full‖_F.
    public let loraRelativeError: Double?
    /// ‖ΔW_X‖_F / ‖U_rᵀ W_base V_r‖_F, U_r and V_r the top-r singular vectors of ΔW_X (§7.3).
    public let amplificationFull: Double?
    /// The same amplification factor for ΔW_lora, with its own top-r directions
    /// (NaN for a zero ΔW_lora).
    public let amplificationLoRA: Double?
    /// φ grids: lora_full (left, right) with a tuned checkpoint; lora_lora2 and random with a second adapter.
    /// With ``LoRAComparer/Options/phiBasis`` = ``PhiBasis/a`` only the right grids, on A's right
    /// singular vectors (each grid's ``SubspaceSimilarity/basis``).
    public let similarities: [SubspaceSimilarity]
    /// The second adapter's s·B·A singular values, descending (`nil` without a second adapter).
    public internal(set) var secondSingularValues: [Double]? = nil
    /// How ΔW_full's spectrum was computed (`nil` without a tuned checkpoint).
    public internal(set) var fullMethod: SpectrumMethod? = nil
    /// The K of `--top-k` for ΔW_full (raised to the adapter's rank), or `nil` for the whole spectrum.
    public internal(set) var fullTopK: Int? = nil
    /// ‖ΔW_full‖²_F from ΔW_full itself when only its top K values are known (the
    /// denominator of their cumulative energies), else `nil` (then Σσ² of ``fullSingularValues``).
    public internal(set) var fullFrobeniusNormSquared: Double? = nil
    /// The metrics of ΔW_full its top K did not determine (``RankMetrics/beyondK``);
    /// ``fullEnergyRank90`` is `nil` when it is among them.
    public internal(set) var fullBeyondK: [RankMetrics.Metric] = []
}
