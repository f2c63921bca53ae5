import Projections

/// What is trained.
public enum TrainingMode: Sendable {
    /// All D parameters of θ_D.
    case full
    /// θ_d only, with θ_D = θ_D⁰ + f(θ_d) for a ``Projections/SubspaceMap`` f (a
    /// projection P, or SAID); gradients reach θ_d as J_fᵀ·∇θ_D (Pᵀ·∇θ_D).
    case subspace(any SubspaceMap)
    /// LoRA's factors A and B only (``LoRAMap``): θ_D = θ_D⁰ + f(A, B). Unlike
    /// subspace training, the L2 penalty (λ/2)·‖θ‖² is on A and B (PEFT's weight
    /// decay), not on θ_D.
    case lora(LoRAMap)

    /// The number of trained values for a model of D parameters: D, or the map's d.
    public func trainableCount(fullDimension: Int) -> Int { map?.subspaceDimension ?? fullDimension }

    /// The map of a subspace or LoRA run.
    var map: (any SubspaceMap)? {
        switch self {
        case .full: return nil
        case let .subspace(f): return f
        case let .lora(f): return f
        }
    }
}
