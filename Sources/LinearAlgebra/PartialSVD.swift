/// The leading singular triplets of an m×n matrix A together with all of its
/// singular values, as ``SVD/leading(_:rank:)`` computes them from the
/// eigendecomposition of the smaller Gram matrix (AᵀA when m ≥ n, else AAᵀ).
///
/// With k = min(m, n) and r ≤ k the number of triplets kept:
/// - `singularValues`: all k values σᵢ = √max(λᵢ, 0), descending, λ the Gram
///   eigenvalues. Each σᵢ² carries an absolute error of about ε·k·σ₁², so values
///   below √ε·σ₁ ≈ 1.5e-8·σ₁ are not resolved; the energies Σσᵢ² are.
/// - `u`: m×r, the left singular vectors as columns (orthonormal; a zero column
///   where the triplet's singular value is exactly 0).
/// - `vt`: r×n, the right singular vectors as rows (orthonormal, likewise).
/// - `leadingSingularValues`: the r values ‖A·vᵢ‖ (m ≥ n) or ‖uᵢᵀ·A‖ (m < n),
///   computed from A itself and so accurate to a few ulps of σ₁ whatever their
///   size; they agree with the first r `singularValues` to ~ε·σ₁²/σᵢ.
///
/// `u · diag(leadingSingularValues) · vt` equals A·V_r·V_rᵀ (m ≥ n) or
/// U_r·U_rᵀ·A (m < n) to rounding: the orthogonal projection of A onto its top-r
/// singular subspace, which is A's best rank-r approximation (Eckart–Young) and
/// A itself when r = k, even where the singular values are not resolved.
///
/// Sign convention: each pair (uᵢ, vᵢ) is determined up to a common sign.
public struct PartialSVD: Sendable {
    /// All min(m, n) singular values, descending (from the Gram eigenvalues).
    public var singularValues: [Double]
    /// Left singular vectors, m×r, row-major.
    public var u: Matrix<Double>
    /// Right singular vectors as rows, r×n, row-major.
    public var vt: Matrix<Double>
    /// The leading r singular values, recomputed from A (see the type's documentation).
    public var leadingSingularValues: [Double]
    /// ‖A‖²_F, the trace of the Gram matrix (Σ of the clamped eigenvalues).
    public var frobeniusNormSquared: Double

    /// The number of triplets kept.
    public var rank: Int { leadingSingularValues.count }

    /// `u · diag(leadingSingularValues)`: m×r, the `B` of a LoRA factorisation B·A
    /// with `A = vt`.
    public var scaledLeft: Matrix<Double> {
        var b = u
        let r = rank
        for i in 0..<b.rows {
            for j in 0..<r { b.storage[i * r + j] *= leadingSingularValues[j] }
        }
        return b
    }

    /// Σ_{i>r} σᵢ² / Σσᵢ²: the fraction of ‖A‖²_F that the kept triplets miss (0 for a zero matrix).
    public var tailEnergyFraction: Double {
        let total = singularValues.reduce(0) { $0 + $1 * $1 }
        guard total > 0 else { return 0 }
        return singularValues.dropFirst(rank).reduce(0) { $0 + $1 * $1 } / total
    }
}
