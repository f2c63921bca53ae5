/// The named tensors of an encoder classifier inside its one flat Float32
/// parameter buffer θ (the same conventions as Training's `ParameterLayout`).
///
/// Tensors are stored back to back in ``entries`` order, each row-major in
/// PyTorch's layout under transformers' names: a linear layer's `weight` is
/// out × in, an embedding is rows × hidden, a LayerNorm's `weight`/`bias`
/// and every bias are 1-D. A gradient buffer has the same layout.
public struct EncoderParameterLayout: Sendable, Hashable, Codable {
    /// One tensor: its name, shape and offset (in elements) in θ.
    public struct Entry: Sendable, Hashable, Codable {
        /// transformers' name, e.g. `bert.encoder.layer.0.attention.self.query.weight`.
        public let name: String
        /// Row-major shape, e.g. `[384, 384]`.
        public let shape: [Int]
        /// First element in the flat buffer.
        public let offset: Int
        /// Number of elements.
        public var count: Int { shape.reduce(1, *) }
        /// The element range in the flat buffer.
        public var range: Range<Int> { offset..<(offset + count) }
    }

    /// The tensors in buffer order.
    public let entries: [Entry]
    /// The total number of parameters.
    public let count: Int

    /// Lays out `tensors` (name, shape) back to back.
    public init(_ tensors: [(String, [Int])]) {
        var offset = 0
        var out: [Entry] = []
        for (name, shape) in tensors {
            out.append(Entry(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        entries = out
        count = offset
    }

    /// The entry named `name`.
    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }

    /// Element counts in buffer order (a per-tensor projection's tensor sizes).
    public var tensorSizes: [Int] { entries.map(\.count) }

    /// The layout of `BertForSequenceClassification` for `configuration`, in
    /// transformers' `state_dict` order: embeddings (word V×H, position P×H,
    /// token type T×H, LayerNorm), per layer query/key/value (H×H, H),
    /// attention output dense (H×H, H) and LayerNorm, intermediate dense
    /// (I×H, I), output dense (H×I, H) and LayerNorm, then the pooler
    /// (H×H, H) and the classifier (C×H, C).
    public static func bert(_ configuration: BertConfiguration) -> EncoderParameterLayout {
        let h = configuration.hiddenSize, i = configuration.intermediateSize
        var t: [(String, [Int])] = [
            ("bert.embeddings.word_embeddings.weight", [configuration.vocabularySize, h]),
            ("bert.embeddings.position_embeddings.weight", [configuration.maxPositions, h]),
            ("bert.embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, h]),
            ("bert.embeddings.LayerNorm.weight", [h]),
            ("bert.embeddings.LayerNorm.bias", [h]),
        ]
        for l in 0..<configuration.layerCount {
            let p = "bert.encoder.layer.\(l)."
            for m in ["query", "key", "value"] {
                t += [(p + "attention.self.\(m).weight", [h, h]), (p + "attention.self.\(m).bias", [h])]
            }
            t += [(p + "attention.output.dense.weight", [h, h]), (p + "attention.output.dense.bias", [h]),
                  (p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                  (p + "intermediate.dense.weight", [i, h]), (p + "intermediate.dense.bias", [i]),
                  (p + "output.dense.weight", [h, i]), (p + "output.dense.bias", [h]),
                  (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h])]
        }
        t += [("bert.pooler.dense.weight", [h, h]), ("bert.pooler.dense.bias", [h]),
              ("classifier.weight", [configuration.labelCount, h]), ("classifier.bias", [configuration.labelCount])]
        return EncoderParameterLayout(t)
    }
}
