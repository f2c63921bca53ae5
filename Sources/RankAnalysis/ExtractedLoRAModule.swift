import CheckpointIO
import LinearAlgebra

/// One module of an extracted adapter: the truncated SVD of its ΔW as LoRA
/// factors B = U_r·Σ_r (out × r) and A = V_rᵀ (r × in), with α = r so that s = 1.
public struct ExtractedLoRAModule: Sendable {
    /// The tuned/base tensor name (`<module>.weight`).
    public let tensor: String
    /// The module path written into the adapter.
    public let module: String
    /// The layout (see ``CheckpointIO/LoRAModule``).
    public let kind: LoRAModule.Kind
    /// ΔW's rows and columns in the out × in layout.
    public let rows: Int, cols: Int
    /// The stored kernel's trailing dimensions `[in, kh, kw]` for a convolution, else `[]`.
    public let kernel: [Int]
    /// The rank kept.
    public let rank: Int
    /// Σ_{i≤r} σᵢ² / Σσᵢ² of ΔW.
    public let retainedEnergy: Double
    /// ‖ΔW − B·A‖_F / ‖ΔW‖_F = √(Σ_{i>r} σᵢ² / Σσᵢ²) (Eckart–Young).
    public let relativeError: Double
    /// B, out × r.
    public let b: Matrix<Double>
    /// A, r × in.
    public let a: Matrix<Double>
    /// How the factors were computed: ``SpectrumMethod/exact`` (Gram matrix + `dsyevd`)
    /// or ``SpectrumMethod/randomized`` (top K by randomized SVD).
    public let method: SpectrumMethod
}
