/// The spectral norm that storage rounding alone would give an update.
///
/// A checkpoint stores each weight rounded to its dtype. The stored value x
/// carries a rounding error uniform on ±ulp(x)/2, of variance ulp(x)²/12, so
/// the difference of two independently rounded checkpoints carries i.i.d.-like
/// noise of variance v = mean(ulp(base)² + ulp(tuned)²)/12 per element. For
/// an m×n matrix of i.i.d. zero-mean entries of variance v, the largest
/// singular value concentrates at (√m + √n)·√v (Bai–Yin / Gordon). Singular
/// values of ΔW at or below
///
///     τ = (√m + √n) · √( Σᵢⱼ (ulp(baseᵢⱼ)² + ulp(tunedᵢⱼ)²) / (12·m·n) )
///
/// are indistinguishable from rounding noise; ``RankMetrics/noiseRank``
/// counts those above it. ulp is taken at the stored value from its exponent
/// field: 2^(max(e,1) − bias − fraction bits).
///
/// The estimate is a bulk-edge value: in a pure-noise matrix the top singular
/// value fluctuates around τ by O(v^½ · (m+n)^{-1/6}), so one noise value may
/// sit just above it; a real update well above τ is counted exactly.
public enum NoiseFloor {
    /// τ for an m×n update whose base and tuned tensors have the given sums
    /// of squared ulps (``CheckpointIO/TensorDescriptor/DecodeSummary``).
    public static func threshold(rows: Int, cols: Int, sumSquaredULPBase: Double,
                                 sumSquaredULPTuned: Double) -> Double {
        let n = Double(rows) * Double(cols)
        guard n > 0 else { return 0 }
        let variance = (sumSquaredULPBase + sumSquaredULPTuned) / (12 * n)
        return (Double(rows).squareRoot() + Double(cols).squareRoot()) * variance.squareRoot()
    }
}
