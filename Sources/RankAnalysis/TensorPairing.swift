import CheckpointIO

/// The tensors of a base and a tuned checkpoint, paired by name and sorted
/// into what the analysis does with them.
///
/// - ``matrices``: ≥2-D real tensors on both sides: full spectrum.
/// - ``vectors``: 0-D/1-D real tensors on both sides: relative update only.
/// - ``skipped``: tensors with a non-real dtype (integers, FP8, …) on either side.
/// - ``onlyInBase``/``onlyInTuned``: names present on one side only (an error when strict).
///
/// Tensors rejected by the ``TensorFilter`` are left out silently. When both
/// checkpoints are single `.npy` files, their one tensors pair whatever
/// their file names.
public struct TensorPairing: Sendable {
    /// The ≥2-D real pairs, in the base's name order: analysed as rows = `shape[0]`
    /// by cols = the product of the other dimensions.
    public let matrices: [TensorPair]
    /// The 0-D and 1-D real pairs (biases, norms): relative update only.
    public let vectors: [TensorPair]
    /// Pairs left out because either side's dtype is not real (see ``CheckpointIO/DType/skipReason``).
    public let skipped: [SkippedTensor]
    /// Names the filter accepts that are in the base checkpoint only.
    public let onlyInBase: [String]
    /// Names the filter accepts that are in the tuned checkpoint only.
    public let onlyInTuned: [String]

    /// Pairs `base` with `tuned`.
    ///
    /// - Throws: ``RankAnalysisError/Code/shapeMismatch`` for a pair whose
    ///   shapes differ; ``RankAnalysisError/Code/unpairedTensor`` when
    ///   `strict` and a tensor is on one side only.
    public init(base: Checkpoint, tuned: Checkpoint, filter: TensorFilter = .all,
                strict: Bool = false) throws(RankAnalysisError) {
        var matrices: [TensorPair] = []
        var vectors: [TensorPair] = []
        var skipped: [SkippedTensor] = []
        var onlyBase: [String] = []
        var onlyTuned: [String] = []
        let singleNPY = base.tensors.count == 1 && tuned.tensors.count == 1
            && base.path.hasSuffix(".npy") && tuned.path.hasSuffix(".npy")
        for b in base.tensors where filter.accepts(b.name) {
            guard let t = singleNPY ? tuned.tensors[0] : tuned[b.name] else { onlyBase.append(b.name); continue }
            if let reason = b.dtype.skipReason ?? t.dtype.skipReason {
                skipped.append(SkippedTensor(tensor: b.name, reason: reason))
                continue
            }
            let pair = try TensorPair(name: b.name, base: b, tuned: t)
            if pair.isMatrix { matrices.append(pair) } else { vectors.append(pair) }
        }
        if !singleNPY {
            for t in tuned.tensors where filter.accepts(t.name) && base[t.name] == nil { onlyTuned.append(t.name) }
        }
        if strict && !(onlyBase.isEmpty && onlyTuned.isEmpty) {
            let (name, side, other) = onlyBase.first.map { ($0, "base", tuned.path) } ?? (onlyTuned[0], "tuned", base.path)
            let more = onlyBase.count + onlyTuned.count - 1
            throw RankAnalysisError(.unpairedTensor, tensor: name, paths: [side == "base" ? base.path : tuned.path],
                                    "present in \(side) only, absent from \(other)" + (more > 0 ? " (and \(more) more unpaired)" : ""))
        }
        self.matrices = matrices
        self.vectors = vectors
        self.skipped = skipped
        self.onlyInBase = onlyBase
        self.onlyInTuned = onlyTuned
    }

    /// A pairing from its parts (``shard(_:of:)``).
    internal init(matrices: [TensorPair], vectors: [TensorPair], skipped: [SkippedTensor],
                  onlyInBase: [String], onlyInTuned: [String]) {
        self.matrices = matrices
        self.vectors = vectors
        self.skipped = skipped
        self.onlyInBase = onlyInBase
        self.onlyInTuned = onlyInTuned
    }
}
