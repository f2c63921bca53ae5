/// How the leading singular values of an update are computed when only the top K
/// are asked for (`--method`).
public enum SpectrumMethod: String, Sendable, CaseIterable, Codable {
    /// The full LAPACK SVD (`dgesdd`): every σ, exact to rounding.
    case exact
    /// Randomized subspace iteration (``LinearAlgebra/SVD/randomized(_:sketch:rank:powerIterations:threads:)``)
    /// for the top K only; the rest of the spectrum is known only through its
    /// total energy ‖ΔW‖²_F − Σ_{i≤K} σᵢ².
    case randomized
    /// Per matrix: ``randomized`` when K + p ≤ min(m, n) / 4 (p the oversampling),
    /// i.e. when the sketch is at most a quarter of the smaller side and the
    /// randomized method does at most ~(2q + 2)·2·m·n·min(m, n)/4 flops against
    /// gesdd's ~4·m·n·min(m, n) (values only); ``exact`` otherwise.
    case auto

    /// The method used for one m×n matrix (``exact`` or ``randomized``, never ``auto``)
    /// when the top `k` values are wanted with `oversampling` extra sketch columns.
    ///
    /// ``exact`` whenever k ≥ min(m, n) (there is no tail to skip); ``auto`` is
    /// ``randomized`` when 4·(k + oversampling) ≤ min(m, n).
    public func resolved(topK k: Int, rows: Int, cols: Int, oversampling: Int) -> SpectrumMethod {
        let small = min(rows, cols)
        if k >= small { return .exact }
        switch self {
        case .exact: return .exact
        case .randomized: return .randomized
        case .auto: return 4 * (k + oversampling) <= small ? .randomized : .exact
        }
    }
}
