/// The floating-point type a randomized SVD computes in (`--randomized-precision`).
///
/// ΔW is always formed from the checkpoints in Float64 (each side decoded
/// exactly, then subtracted) and ‖ΔW‖²_F summed in Float64; the precision
/// chooses the type ΔW is then rounded to for the products, the QRs and the
/// small SVD. The exact method always computes in Float64.
public enum RandomizedPrecision: String, Sendable, CaseIterable, Codable {
    /// `Float`: `sgemm`/`sgeqrf`/`sgesdd`. About half the time and half the
    /// memory of ``float64``, as `torch.svd_lowrank` on float32 tensors; σ̂ᵢ gain
    /// a relative error of order 1e-7·σ₁/σᵢ, far below the method's own for the
    /// usual oversampling and power iterations (BENCHMARKS.md, "Randomized SVD").
    case float32
    /// `Double` (the default): the method's error alone.
    case float64

    /// Bytes per element.
    public var byteWidth: Int { self == .float32 ? 4 : 8 }
}
