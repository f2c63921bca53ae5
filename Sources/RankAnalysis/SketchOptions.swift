/// The parameters of a randomized SVD (Halko, Martinsson & Tropp 2011): the
/// sketch has K + `oversampling` Gaussian columns and the range is refined by
/// `powerIterations` products with ΔWᵀ and ΔW, each re-orthonormalised by QR.
///
/// The defaults p = 10 and q = 2 resolve the top K values of the fixture and
/// MiniLM spectra to the accuracy tabulated in BENCHMARKS.md ("Randomized SVD");
/// q = 0 is cheaper but loose on flat spectra.
public struct SketchOptions: Sendable, Hashable {
    /// p, the sketch columns beyond K (default 10).
    public var oversampling: Int
    /// q, the power iterations (default 2).
    public var powerIterations: Int
    /// The seed of the Gaussian sketch's Philox streams (``Projections/StreamKind/sketch``, default 0).
    public var seed: UInt64
    /// The type the products, QRs and small SVD compute in (default ``RandomizedPrecision/float64``).
    public var precision: RandomizedPrecision
    /// An update whose matrix (in ``precision``) would exceed this many bytes
    /// (default 512 MiB: a 32000 × 4096 embedding in Float64) is never formed: the randomized SVD
    /// applies it block by block from the checkpoints, reading both tensors
    /// 2q + 3 times (``streamingBlockBytes`` per block). Its σ̂ agree with the
    /// formed matrix's to rounding (the products sum in another grouping).
    public var streamingThreshold: Int = 512 << 20
    /// The Float64 bytes of one streamed row block (default 16 MiB, at least one row).
    public var streamingBlockBytes: Int = 16 << 20

    /// - Parameters:
    ///   - oversampling: p ≥ 0 (default 10).
    ///   - powerIterations: q ≥ 0 (default 2).
    ///   - seed: the sketch seed (default 0).
    ///   - precision: the arithmetic type (default Float64).
    public init(oversampling: Int = 10, powerIterations: Int = 2, seed: UInt64 = 0,
                precision: RandomizedPrecision = .float64) {
        self.oversampling = oversampling
        self.powerIterations = powerIterations
        self.seed = seed
        self.precision = precision
    }

    /// Throws ``RankAnalysisError/Code/invalidOption`` for a negative p or q.
    func validate() throws(RankAnalysisError) {
        guard oversampling >= 0 else { throw RankAnalysisError(.invalidOption, "--oversampling must be ≥ 0, got \(oversampling)") }
        guard powerIterations >= 0 else {
            throw RankAnalysisError(.invalidOption, "--power-iterations must be ≥ 0, got \(powerIterations)")
        }
    }
}
