import LinearAlgebra

/// The normalised subspace similarity of the LoRA paper (Hu et al. 2021, eq. 4)
/// between the top-i directions of one update and the top-j of another:
///
///     φ(i, j) = ‖U_iᵀ V_j‖²_F / min(i, j)  ∈ [0, 1]
///
/// for i = 1…I, j = 1…J, where U (d × I) and V (d × J) have orthonormal
/// columns: left singular vectors (`side` "left", d = out) or right singular
/// vectors (`side` "right", d = in). For independent uniformly random
/// subspaces E[φ(i, j)] = max(i, j)/d (``expectedRandom(i:j:)``).
///
/// An adapter's directions are those of ``basis``: by default the singular
/// vectors of ΔW = s·B·A (invariant under A → R·A, B → B·R⁻¹), or, as the paper's
/// eq. 4 defines φ(A₁, A₂, i, j), the right singular vectors of A alone
/// (``PhiBasis/a``, `side` "right" only). ΔW_full's directions are always its
/// own singular vectors. φ does not depend on the vectors' signs (each column
/// enters squared); where two singular values tie, the directions within their
/// subspace, and so φ at i or j inside the tie, are not determined.
public struct SubspaceSimilarity: Sendable {
    /// What is compared: `"lora_full"` (ΔW_lora against ΔW_full),
    /// `"lora_lora2"` (two adapters) or `"random"` (two random subspaces of the
    /// sizes of `"lora_lora2"`).
    public let comparison: String
    /// `"left"` (output space) or `"right"` (input space).
    public let side: String
    /// Which directions of the adapters U and V hold (for `"random"`, the basis
    /// whose sizes the random subspaces take).
    public let basis: PhiBasis
    /// The ambient dimension d.
    public let dimension: Int
    /// φ as an I × J matrix: element (i−1, j−1) is φ(i, j).
    public let phi: Matrix<Double>

    /// φ from two orthonormal bases given as the columns of `u` (d × I) and `v` (d × J);
    /// `basis` records which directions they are (default ``PhiBasis/delta``).
    public init(comparison: String, side: String, basis: PhiBasis = .delta, u: Matrix<Double>, v: Matrix<Double>) throws {
        precondition(u.rows == v.rows, "SubspaceSimilarity: bases of dimension \(u.rows) and \(v.rows)")
        let g = try GEMM.multiply(u, v, transposeA: true)  // I × J, gₐᵦ = uₐ·vᵦ
        let (ni, nj) = (g.rows, g.cols)
        // Two-dimensional prefix sums of gₐᵦ²: P(i, j) = Σ_{a<i, b<j} gₐᵦ² = ‖U_iᵀ V_j‖²_F.
        var phi = Matrix<Double>(rows: ni, cols: nj)
        var columnSums = [Double](repeating: 0, count: nj)
        for i in 0..<ni {
            var row = 0.0
            for j in 0..<nj {
                let x = g.storage[i * nj + j]
                row += x * x
                columnSums[j] += row
                phi.storage[i * nj + j] = columnSums[j] / Double(min(i, j) + 1)
            }
        }
        self.comparison = comparison
        self.side = side
        self.basis = basis
        self.dimension = u.rows
        self.phi = phi
    }

    /// E[φ(i, j)] = max(i, j) / d for independent uniformly random subspaces (1-based i, j).
    public func expectedRandom(i: Int, j: Int) -> Double { Double(max(i, j)) / Double(dimension) }
}
