import CheckpointIO

/// How ``LoRAExtractor`` chooses ranks and layouts.
public struct LoRAExtractionOptions: Sendable {
    /// How each module's rank is chosen.
    public enum RankRule: Sendable, Equatable {
        /// The same rank r everywhere (clamped to min(rows, cols)).
        case fixed(Int)
        /// Per module, the smallest k whose top-k singular values hold at
        /// least this fraction (0 < e ≤ 1) of ‖ΔW‖²_F.
        case energy(Double)
    }

    /// The default pattern of ``embeddings``: the embedding tables of the common
    /// model families (BERT, LLaMA, GPT-2, T5, OPT, …), whose weights PEFT adapts
    /// as `lora_embedding_A`/`lora_embedding_B`.
    public static let defaultEmbeddings =
        #"(^|\.)(word_embeddings|position_embeddings|token_type_embeddings|embed_tokens|embed_positions|tok_embeddings|wte|wpe|shared)\.weight$"#

    /// The rank rule.
    public var rule: RankRule
    /// No module gets a rank below this (default 1).
    public var minRank = 1
    /// No module gets a rank above this (default: no limit but min(rows, cols)).
    public var maxRank: Int? = nil
    /// Which 2-D tensors are embedding tables: a regular expression searched in the tensor name.
    public var embeddings: String
    /// Whether the 2-D non-embedding weights are stored in × out (GPT-2's
    /// `Conv1D`); written as `fan_in_fan_out: true`.
    public var fanInFanOut = false
    /// Tensors extracted at once (see ``RankAnalysisOptions/jobs``).
    public var jobs = 1
    /// How the leading triplets are computed (default ``SpectrumMethod/exact``). The top
    /// K computed is the rank of ``RankRule/fixed(_:)`` (after ``minRank``/``maxRank``),
    /// or ``maxRank`` with ``RankRule/energy(_:)``; ``SpectrumMethod/randomized`` with an
    /// energy rule needs ``maxRank``, and ``SpectrumMethod/auto`` is then exact without it.
    public var method: SpectrumMethod = .exact
    /// The randomized SVD's parameters.
    public var sketch = SketchOptions()

    /// - Throws: ``RankAnalysisError/Code/invalidPattern`` for a bad `embeddings` pattern.
    public init(rule: RankRule, embeddings: String = LoRAExtractionOptions.defaultEmbeddings) throws(RankAnalysisError) {
        _ = try TensorFilter(include: [embeddings])
        self.rule = rule
        self.embeddings = embeddings
    }

    /// The top K a randomized SVD must compute, or `nil` when the rule needs the whole spectrum.
    var topK: Int? {
        switch rule {
        case let .fixed(r): return min(max(r, minRank), maxRank ?? .max)
        case .energy: return maxRank
        }
    }

    /// The rank for singular values σ (descending), before clamping to the matrix size;
    /// `total` is ‖ΔW‖²_F when σ holds only the top K (default: Σσ²).
    func rank(for σ: [Double], total: Double? = nil) -> Int {
        let chosen: Int
        switch rule {
        case let .fixed(r): chosen = r
        case let .energy(e):
            let total = total ?? σ.reduce(0) { $0 + $1 * $1 }
            chosen = RankMetrics.energyRanks(σ, total: total, levels: [e * 100])[0]
        }
        return min(max(chosen, minRank), maxRank ?? .max, σ.count)
    }
}
