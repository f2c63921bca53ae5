extension ParameterLayout {
    /// The layout of `BertForSequenceClassification` for `configuration`, in
    /// transformers' `state_dict` order: embeddings (word V×H, position P×H,
    /// token type T×H, LayerNorm), per layer query/key/value (H×H, H),
    /// attention output dense (H×H, H) and LayerNorm, intermediate dense
    /// (I×H, I), output dense (H×I, H) and LayerNorm, then the pooler
    /// (H×H, H) and the classifier (C×H, C).
    public static func bert(_ configuration: BertConfiguration) -> ParameterLayout {
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
        return ParameterLayout(t)
    }
}
