import CheckpointIO
import LinearAlgebra

/// One module of an extracted adapter: the truncated SVD of its ΔW as LoRA
/// factors B = U_r·Σ_r (out × r) and A = V_rᵀ (r × in), with α = r so that s = 1.
///
/// What the extraction recorded about the module (name, layout, rank, energy,
/// error) is its ``row``, the same value `extraction.csv` is written from; the
/// properties below read it.
public struct ExtractedLoRAModule: Sendable {
    /// Everything but the factors: one row of `extraction.csv`.
    public let row: LoRAExtractionRow
    /// B, out × r.
    public let b: Matrix<Double>
    /// A, r × in.
    public let a: Matrix<Double>

    /// A module from its row and factors.
    /// - Precondition: `b` is `row.rows × row.rank` and `a` is `row.rank × row.cols`.
    public init(row: LoRAExtractionRow, b: Matrix<Double>, a: Matrix<Double>) {
        precondition(b.rows == row.rows && b.cols == row.rank && a.rows == row.rank && a.cols == row.cols,
                     "ExtractedLoRAModule: B \(b.rows)×\(b.cols) and A \(a.rows)×\(a.cols) do not match rank \(row.rank) of \(row.rows)×\(row.cols)")
        self.row = row
        self.b = b
        self.a = a
    }

    /// The tuned/base tensor name (`<module>.weight`).
    public var tensor: String { row.tensor }
    /// The module path written into the adapter.
    public var module: String { row.module }
    /// The layout (see ``CheckpointIO/LoRAModule``).
    public var kind: LoRAModule.Kind { row.kind }
    /// ΔW's rows (out).
    public var rows: Int { row.rows }
    /// ΔW's columns (in).
    public var cols: Int { row.cols }
    /// The stored kernel's trailing dimensions `[in, kh, kw]` for a convolution, else `[]`.
    public var kernel: [Int] { row.kernel }
    /// The rank kept.
    public var rank: Int { row.rank }
    /// Σ_{i≤r} σᵢ² / Σσᵢ² of ΔW.
    public var retainedEnergy: Double { row.retainedEnergy }
    /// ‖ΔW − B·A‖_F / ‖ΔW‖_F = √(Σ_{i>r} σᵢ² / Σσᵢ²) (Eckart–Young).
    public var relativeError: Double { row.relativeError }
    /// How the factors were computed: ``SpectrumMethod/exact`` (Gram matrix + `dsyevd`)
    /// or ``SpectrumMethod/randomized`` (top K by randomized SVD).
    public var method: SpectrumMethod { row.method }
}
