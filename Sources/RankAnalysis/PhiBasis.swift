/// Which orthonormal directions of an adapter the subspace similarity φ compares
/// (``SubspaceSimilarity``, ``LoRAComparer/Options/phiBasis``; `compare --phi-basis`).
///
/// φ(i, j) = ‖U_iᵀ V_j‖²_F / min(i, j) depends on which top-i directions of an
/// adapter U_i holds. The LoRA paper (Hu et al. 2021, §7.2, eq. 4) takes the top-i
/// right singular vectors of the down-projection A (r × in) alone; this toolkit
/// by default takes the singular vectors of the update ΔW = s·B·A itself.
///
/// **Which factor is A.** A is the r × in factor applied to the module's input:
///
/// | kind | A (r × in) | its right singular vectors live in |
/// |---|---|---|
/// | `linear`, `conv1d` | `lora_A` | ℝ^in (the input features) |
/// | `embedding` | `lora_embedding_A` (r × num_embeddings) | ℝ^num_embeddings (one-hot token indices) |
/// | `convolution` | `lora_A` reshaped to r × (in·kh·kw) | ℝ^(in·kh·kw) (input patches) |
///
/// This is the `right` side (input space, d = `cols`) of the out × in layout of
/// ``CheckpointIO/LoRAModule``, where ΔW = s·B·A for every kind, embeddings
/// included (PEFT stores the embedding's ΔW transposed, num × dim).
///
/// **Why ``delta`` is the default.** s·B·A is what the adapter adds to the
/// weight; its singular vectors do not change under A → R·A, B → B·R⁻¹ (any
/// invertible r × r R), which leaves ΔW, and so the trained model, unchanged.
/// The row space of A does not change either, so for i = r (A of full rank, B
/// with r independent columns) both bases span the same subspace and give the
/// same φ(r, j). For i < r they order the directions differently: A's top-i are
/// the directions A stretches most, ΔW's are those s·B·A stretches most after B
/// has weighted them, and A's order moves with R. So φ(1, j), the headline of the
/// paper's Fig. 3, is another number in the two bases. ``a`` reproduces the
/// paper's Fig. 3.
public enum PhiBasis: String, Sendable, CaseIterable, Codable {
    /// The singular vectors of ΔW = s·B·A (default): left (output space) and right
    /// (input space), as many as its numerical rank. Invariant under A → R·A, B → B·R⁻¹.
    case delta
    /// The right singular vectors of A alone, as in the LoRA paper's eq. 4: the
    /// input space (`side` `right`) only, as many as A's numerical rank (r for a
    /// trained or randomly initialised A), unscaled (s and B do not enter; φ is
    /// defined even where B = 0). A has no output-space directions, so no `left`
    /// grids are computed.
    case a

    /// A short description for captions, e.g. in figures: "ΔW = s·B·A's singular vectors"
    /// or "A's right singular vectors (Hu et al. 2021, eq. 4)".
    public var caption: String {
        switch self {
        case .delta: return "ΔW = s·B·A's singular vectors"
        case .a: return "A's right singular vectors (Hu et al. 2021, eq. 4)"
        }
    }
}
