import CheckpointIO

/// How the tensor names of a base and a tuned checkpoint correspond: as they
/// are, or across a *head-model prefix*.
///
/// transformers saves a bare encoder (`BertModel`) without a prefix
/// (`encoder.layer.0.attention.self.query.weight`) and a model with a task
/// head (`BertForSequenceClassification`) with the encoder under its
/// `base_model_prefix` (`bert.encoder.layer.0.…`) beside the head
/// (`classifier.weight`). `from_pretrained` loads one into the other by adding
/// or removing that prefix when the checkpoint's names all lack it. The same
/// rule, decided from the names alone:
///
/// - **Candidates.** For each side X and each first name component P of X's
///   names such that *no* name of the other side Y starts with `P.`: the
///   number of X's names `P.n` whose `n` is a name of Y.
/// - **Decision.** The candidate with the most such matches is used when it
///   pairs more tensors than the names as they are (and no other candidate
///   pairs as many); otherwise names pair as they are (``identity``).
///
/// A fine-tuned `BertForSequenceClassification` run folder against its
/// `BertModel` base thus pairs `encoder.layer.0.….weight` with
/// `bert.encoder.layer.0.….weight`; two run folders, or two `BertModel`s,
/// pair as they are. Pairs are reported under the prefixed name (the head
/// model's, which is also the module path a PEFT adapter of that model
/// uses). Names of the prefixed side outside the prefix with no counterpart
/// (`classifier.*`) are the head (``TensorPairing/headOnly``).
public struct TensorNameAlignment: Sendable, Hashable, Codable {
    /// A side of the pair.
    public enum Side: String, Sendable, Hashable, Codable {
        /// The base (pre-fine-tuning) checkpoint.
        case base
        /// The tuned checkpoint.
        case tuned
    }

    /// The prefix with its trailing dot (e.g. `"bert."`), or `nil` when names pair as they are.
    public let prefix: String?
    /// The side whose names carry ``prefix`` (`nil` with no prefix).
    public let prefixedSide: Side?

    /// Names pair as they are.
    public static let identity = TensorNameAlignment(prefix: nil, prefixedSide: nil)

    /// An alignment with `prefix` (ending in `.`) on `side`.
    public init(prefix: String?, prefixedSide side: Side?) {
        precondition((prefix == nil) == (side == nil), "TensorNameAlignment: a prefix needs its side and vice versa")
        precondition(prefix.map { $0.hasSuffix(".") && $0.count > 1 } ?? true, "TensorNameAlignment: prefix must end in '.'")
        self.prefix = prefix
        self.prefixedSide = side
    }

    /// Decides the alignment of two lists of names (see the type's documentation).
    public init(base: [String], tuned: [String]) {
        let baseSet = Set(base), tunedSet = Set(tuned)
        let exact = baseSet.intersection(tunedSet).count
        func firstComponent(_ n: String) -> String? { n.firstIndex(of: ".").map { String(n[...$0]) } }
        var candidates: [(matches: Int, prefix: String, side: Side)] = []
        for (side, names, other) in [(Side.tuned, tuned, baseSet), (Side.base, base, tunedSet)] {
            let taken = Set(other.compactMap(firstComponent))
            var matches: [String: Int] = [:]
            for n in names {
                guard let p = firstComponent(n), !taken.contains(p) else { continue }
                if other.contains(String(n.dropFirst(p.count))) { matches[p, default: 0] += 1 }
            }
            candidates += matches.map { ($0.value, $0.key, side) }
        }
        let most = candidates.map(\.matches).max() ?? 0
        let winners = candidates.filter { $0.matches == most }
        if most > exact, winners.count == 1 {
            self.init(prefix: winners[0].prefix, prefixedSide: winners[0].side)
        } else {
            self = .identity
        }
    }

    /// Decides the alignment of two checkpoints' names.
    public init(base: Checkpoint, tuned: Checkpoint) {
        self.init(base: base.tensors.map(\.name), tuned: tuned.tensors.map(\.name))
    }

    /// The name on the unprefixed side that `name` (of the prefixed side) corresponds to:
    /// `name` without the prefix, or `name` itself when it does not start with it.
    func unprefixed(_ name: String) -> String {
        guard let prefix, name.hasPrefix(prefix) else { return name }
        return String(name.dropFirst(prefix.count))
    }

    /// The tuned tensor a base tensor called `name` pairs with, if any.
    public func tunedTensor(forBase name: String, in tuned: Checkpoint) -> TensorDescriptor? {
        switch prefixedSide {
        case nil: return tuned[name]
        case .tuned: return tuned[prefix! + name] ?? tuned[name]
        case .base: return name.hasPrefix(prefix!) ? tuned[unprefixed(name)] : tuned[name]
        }
    }

    /// The name a base tensor's pair is reported under: the prefixed one.
    public func reportedName(forBase name: String) -> String {
        prefixedSide == .tuned ? prefix! + name : name
    }

    /// Whether `name` of `side` is outside the prefix on the prefixed side (a head tensor).
    public func isHead(_ name: String, on side: Side) -> Bool {
        guard let prefix, side == prefixedSide else { return false }
        return !name.hasPrefix(prefix)
    }

    /// One sentence for reports and provenance, e.g. ``identity``'s
    /// `"names pair as they are"`.
    public var rule: String {
        guard let prefix, let side = prefixedSide else { return "names pair as they are" }
        let other = side == .tuned ? "base" : "tuned"
        return "the \(side.rawValue) names carry the head-model prefix '\(prefix)' that every \(other) name lacks "
            + "(transformers' base_model_prefix, as from_pretrained loads a BertModel into a BertFor… model): "
            + "\(other) 'X' pairs with \(side.rawValue) '\(prefix)X', reported as '\(prefix)X'; \(side.rawValue) tensors outside "
            + "'\(prefix)' with no \(other) counterpart are the head"
    }
}
