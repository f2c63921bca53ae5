import Projections

/// What is trained.
public enum TrainingMode: Sendable {
    /// All D parameters of θ_D.
    case full
    /// θ_d only, with θ_D = θ_D⁰ + f(θ_d) for a ``SubspaceMap`` f (a
    /// projection P, or SAID); gradients reach θ_d as J_fᵀ·∇θ_D (Pᵀ·∇θ_D).
    case subspace(any SubspaceMap)
}
