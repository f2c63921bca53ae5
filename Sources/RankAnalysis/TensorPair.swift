import CheckpointIO

/// A base tensor and its fine-tuned counterpart, paired by name, with equal shapes.
///
/// The update ΔW = tuned − base is analysed as a `rows × cols` matrix:
/// 2-D tensors as stored (rows = `shape[0]`, PyTorch's out-features);
/// ≥3-D tensors (convolution kernels, out × in × kh × kw) as
/// `shape[0] × (product of the rest)`; 0-D and 1-D tensors are vectors
/// (no spectrum).
public struct TensorPair: Sendable {
    /// The shared name.
    public let name: String
    /// The base (pre-fine-tuning) tensor.
    public let base: TensorDescriptor
    /// The fine-tuned tensor.
    public let tuned: TensorDescriptor

    /// The shared shape.
    public var shape: [Int] { base.shape }
    /// Whether the update is analysed as a matrix (≥ 2 dimensions).
    public var isMatrix: Bool { shape.count >= 2 }
    /// Rows of the matrix view, `shape[0]` (the element count for a vector).
    public var rows: Int { isMatrix ? shape[0] : base.elementCount }
    /// Columns of the matrix view, the product of `shape[1...]` (1 for a vector).
    public var cols: Int { isMatrix ? shape.dropFirst().reduce(1, *) : 1 }

    /// `"BF16"` when both sides share a dtype, else `"<base>/<tuned>"`, e.g. `"BF16/F32"`.
    public var dtypeLabel: String {
        base.dtype == tuned.dtype ? base.dtype.rawValue : "\(base.dtype.rawValue)/\(tuned.dtype.rawValue)"
    }

    /// The numerical-rank ε: 2⁻⁵² when both sides are F64, else float32's 2⁻²³.
    public var rankEpsilon: Double {
        max(base.dtype.rankEpsilon, tuned.dtype.rankEpsilon)
    }

    /// Pairs two tensors.
    ///
    /// - Throws: ``RankAnalysisError/Code/shapeMismatch`` naming both files.
    public init(name: String, base: TensorDescriptor, tuned: TensorDescriptor) throws(RankAnalysisError) {
        guard base.shape == tuned.shape else {
            throw RankAnalysisError(.shapeMismatch, tensor: name, paths: [base.path, tuned.path],
                                    "shape \(base.shape) in base but \(tuned.shape) in tuned")
        }
        self.name = name
        self.base = base
        self.tuned = tuned
    }
}
