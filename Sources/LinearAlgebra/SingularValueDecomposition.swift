/// A thin singular value decomposition `A = U · diag(σ) · Vᵀ` of an m×n
/// matrix, with k = min(m, n).
///
/// - `u`: m×k, orthonormal columns (the left singular vectors).
/// - `singularValues`: k values, non-negative, in descending order.
/// - `vt`: k×n, orthonormal rows (the right singular vectors, transposed).
///
/// Sign convention: each pair (uᵢ, vᵢ) is determined only up to a common
/// sign; the signs are whatever LAPACK's `?gesdd` returns. Compare vectors
/// through `uᵢ·vᵢᵀ` or absolute inner products, never elementwise.
public struct SingularValueDecomposition<Scalar: LinearAlgebraScalar>: Sendable {
    /// Left singular vectors, m×k, row-major.
    public var u: Matrix<Scalar>
    /// Singular values σ₁ ≥ σ₂ ≥ … ≥ σₖ ≥ 0.
    public var singularValues: [Scalar]
    /// Right singular vectors as rows, k×n, row-major.
    public var vt: Matrix<Scalar>

    /// A decomposition from its parts.
    ///
    /// - Precondition: `u.cols == singularValues.count == vt.rows`.
    public init(u: Matrix<Scalar>, singularValues: [Scalar], vt: Matrix<Scalar>) {
        precondition(u.cols == singularValues.count && vt.rows == singularValues.count,
                     "SingularValueDecomposition: U has \(u.cols) columns, \(singularValues.count) values, Vᵀ \(vt.rows) rows")
        self.u = u
        self.singularValues = singularValues
        self.vt = vt
    }

    /// `other` converted to `Scalar` (e.g. a `Float` decomposition widened to `Double`).
    @_specialize(where Scalar == Double, T == Float)
    @_specialize(where Scalar == Float, T == Double)
    public init<T: LinearAlgebraScalar>(converting other: SingularValueDecomposition<T>) {
        self.init(u: Matrix(converting: other.u), singularValues: other.singularValues.map { Scalar($0) },
                  vt: Matrix(converting: other.vt))
    }

    /// Keeps only the leading `rank` triplets (clamped to k).
    public func truncated(to rank: Int) -> SingularValueDecomposition {
        let r = max(0, min(rank, singularValues.count))
        var u2 = Matrix<Scalar>(rows: u.rows, cols: r)
        for i in 0..<u.rows {
            for j in 0..<r { u2.storage[i * r + j] = u.storage[i * u.cols + j] }
        }
        let vt2 = Matrix<Scalar>(rows: r, cols: vt.cols, storage: Array(vt.storage[0..<(r * vt.cols)]))
        return SingularValueDecomposition(u: u2, singularValues: Array(singularValues[0..<r]), vt: vt2)
    }

    /// `U · diag(σ) · Vᵀ`, the m×n matrix this decomposition represents.
    public func reconstructed() throws(LinearAlgebraError) -> Matrix<Scalar> {
        var us = u
        let k = singularValues.count
        for i in 0..<us.rows {
            for j in 0..<k { us.storage[i * k + j] *= singularValues[j] }
        }
        return try GEMM.multiply(us, vt)
    }
}
