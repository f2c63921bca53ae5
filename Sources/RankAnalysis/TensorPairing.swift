import CheckpointIO

/// The tensors of a base and a tuned checkpoint, paired by name and sorted
/// into what the analysis does with them.
///
/// - ``matrices``: ≥2-D real tensors on both sides: full spectrum.
/// - ``vectors``: 0-D/1-D real tensors on both sides: relative update only.
/// - ``skipped``: tensors with a non-real dtype (integers, FP8, …) on either side,
///   also when on one side only (a buffer such as `embeddings.position_ids`, which
///   a `BertModel` base stores and a run folder need not: never a weight, so
///   never an error when strict).
/// - ``onlyInBase``/``onlyInTuned``: real tensors present on one side only (an error when strict).
/// - ``headOnly``: across a head-model prefix (``names``), the prefixed side's
///   tensors outside the prefix with no counterpart, e.g. the new
///   `classifier.*` of a `BertForSequenceClassification` fine-tuned from a
///   `BertModel` (never an error).
///
/// Names pair as ``TensorNameAlignment`` decides: as they are, or across a
/// head-model prefix such as transformers' `bert.`, pairs then named by the
/// prefixed name. The ``TensorFilter`` sees those reported names; tensors it
/// rejects are left out silently. When both checkpoints are single `.npy`
/// files, their one tensors pair whatever their file names.
public struct TensorPairing: Sendable {
    /// The ≥2-D real pairs, in the base's name order: analysed as rows = `shape[0]`
    /// by cols = the product of the other dimensions.
    public let matrices: [TensorPair]
    /// The 0-D and 1-D real pairs (biases, norms): relative update only.
    public let vectors: [TensorPair]
    /// Pairs left out because either side's dtype is not real (see ``CheckpointIO/DType/skipReason``).
    public let skipped: [SkippedTensor]
    /// Names of real tensors the filter accepts that are in the base checkpoint only.
    public let onlyInBase: [String]
    /// Names of real tensors the filter accepts that are in the tuned checkpoint only.
    public let onlyInTuned: [String]
    /// The prefixed side's tensors outside the head-model prefix with no counterpart
    /// (the side is ``TensorNameAlignment/prefixedSide`` of ``names``), sorted by name;
    /// empty when names pair as they are.
    public let headOnly: [TensorDescriptor]
    /// How names were matched.
    public let names: TensorNameAlignment

    /// Why the tensors of ``headOnly`` are not analysed: `"new head, no base tensor"`
    /// when the tuned side carries the prefix, `"head of the base model, absent from tuned"`
    /// when the base does.
    public var headOnlyReason: String {
        names.prefixedSide == .base ? "head of the base model, absent from tuned" : "new head, no base tensor"
    }

    /// The tensors of ``onlyInBase``, ``onlyInTuned`` and ``headOnly`` with the
    /// reason each is not analysed: `"only in base"`, `"only in tuned"` and ``headOnlyReason``.
    public var unpaired: [SkippedTensor] {
        onlyInBase.map { SkippedTensor(tensor: $0, reason: "only in base") }
            + onlyInTuned.map { SkippedTensor(tensor: $0, reason: "only in tuned") }
            + headOnly.map { SkippedTensor(tensor: $0.name, reason: headOnlyReason) }
    }

    /// Pairs `base` with `tuned`.
    ///
    /// - Throws: ``RankAnalysisError/Code/shapeMismatch`` for a pair whose
    ///   shapes differ; ``RankAnalysisError/Code/unpairedTensor`` when
    ///   `strict` and a tensor is on one side only (a head tensor, ``headOnly``, is not an error).
    public init(base: Checkpoint, tuned: Checkpoint, filter: TensorFilter = .all,
                strict: Bool = false) throws(RankAnalysisError) {
        let singleNPY = base.tensors.count == 1 && tuned.tensors.count == 1
            && base.path.hasSuffix(".npy") && tuned.path.hasSuffix(".npy")
        let names = singleNPY ? TensorNameAlignment.identity : TensorNameAlignment(base: base, tuned: tuned)
        var matrices: [TensorPair] = []
        var vectors: [TensorPair] = []
        var skipped: [SkippedTensor] = []
        var onlyBase: [String] = []
        var onlyTuned: [String] = []
        var head: [TensorDescriptor] = []
        var pairedTuned = Set<String>()
        for b in base.tensors {
            let name = names.reportedName(forBase: b.name)
            guard filter.accepts(name) else { continue }
            guard let t = singleNPY ? tuned.tensors[0] : names.tunedTensor(forBase: b.name, in: tuned) else {
                if let reason = b.dtype.skipReason {
                    skipped.append(SkippedTensor(tensor: name, reason: reason + "; in base only"))
                } else if names.isHead(b.name, on: .base) { head.append(b) } else { onlyBase.append(name) }
                continue
            }
            pairedTuned.insert(t.name)
            if let reason = b.dtype.skipReason ?? t.dtype.skipReason {
                skipped.append(SkippedTensor(tensor: name, reason: reason))
                continue
            }
            let pair = try TensorPair(name: name, base: b, tuned: t)
            if pair.isMatrix { matrices.append(pair) } else { vectors.append(pair) }
        }
        if !singleNPY {
            for t in tuned.tensors where !pairedTuned.contains(t.name) && filter.accepts(t.name) {
                if let reason = t.dtype.skipReason {
                    skipped.append(SkippedTensor(tensor: t.name, reason: reason + "; in tuned only"))
                } else if names.isHead(t.name, on: .tuned) { head.append(t) } else { onlyTuned.append(t.name) }
            }
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
        self.headOnly = head.sorted { $0.name < $1.name }
        self.names = names
    }

    /// A pairing from its parts (``shard(_:of:)``).
    internal init(matrices: [TensorPair], vectors: [TensorPair], skipped: [SkippedTensor],
                  onlyInBase: [String], onlyInTuned: [String], headOnly: [TensorDescriptor], names: TensorNameAlignment) {
        self.matrices = matrices
        self.vectors = vectors
        self.skipped = skipped
        self.onlyInBase = onlyInBase
        self.onlyInTuned = onlyInTuned
        self.headOnly = headOnly
        self.names = names
    }
}
