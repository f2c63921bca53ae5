import CheckpointIO
import Foundation

extension BertClassifier {
    /// Writes `parameters` (θ in ``layout`` order) as a Hugging Face folder
    /// that `BertForSequenceClassification.from_pretrained(folder)` loads
    /// unmodified: `model.safetensors` (F32, transformers' names, metadata
    /// `format: pt`) and `config.json` (the source configuration's fields,
    /// with `architectures` `["BertForSequenceClassification"]`, `num_labels`,
    /// `id2label`, `label2id` and the architecture fields of
    /// ``configuration``). Both files appear together or not at all; the
    /// folder is created if needed.
    ///
    /// - Throws: ``ModelError/Code/writeFailed`` naming the file.
    public func save(parameters: [Float], to folder: String) throws(ModelError) {
        precondition(parameters.count == layout.count, "BertClassifier.save: \(parameters.count) values for \(layout.count)")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError(.writeFailed, path: folder, "cannot create the folder: \(error.localizedDescription)")
        }
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for e in layout.entries { writer.add(e.name, shape: e.shape, float32: Array(parameters[e.range])) }
        let config = configJSON()
        let weights = (folder as NSString).appendingPathComponent("model.safetensors")
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        do {
            try AtomicFile.writeTogether { files in
                try writer.write(to: weights, into: &files)
                try files.write(text: config, to: configPath)
            }
        } catch let e as CheckpointError {
            throw ModelError(.writeFailed, path: e.path, e.detail)
        } catch {
            throw ModelError(.writeFailed, path: folder, "\(error)")
        }
    }

    /// The `config.json` text of ``save(parameters:to:)``.
    public func configJSON() -> String {
        let c = configuration
        var members: [(String, JSONValue)] = []
        if !c.sourceJSON.isEmpty, case let .object(m)? = try? JSONParser.parse(Array(c.sourceJSON.utf8)) { members = m }
        func set(_ key: String, _ value: JSONValue) {
            if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
        }
        func int(_ v: Int) -> JSONValue { .number(String(v)) }
        set("architectures", .array([.string("BertForSequenceClassification")]))
        set("model_type", .string("bert"))
        set("vocab_size", int(c.vocabularySize))
        set("hidden_size", int(c.hiddenSize))
        set("num_hidden_layers", int(c.layerCount))
        set("num_attention_heads", int(c.headCount))
        set("intermediate_size", int(c.intermediateSize))
        set("hidden_act", .string(c.activation.rawValue))
        set("hidden_dropout_prob", .real(c.hiddenDropout))
        set("attention_probs_dropout_prob", .real(c.attentionDropout))
        if c.classifierDropout != c.hiddenDropout { set("classifier_dropout", .real(c.classifierDropout)) }
        set("max_position_embeddings", int(c.maxPositions))
        set("type_vocab_size", int(c.typeVocabularySize))
        set("layer_norm_eps", .real(c.layerNormEpsilon))
        set("initializer_range", .real(c.initializerRange))
        set("num_labels", int(c.labelCount))
        set("id2label", .object(c.labels.enumerated().map { (String($0.offset), .string($0.element)) }))
        set("label2id", .object(c.labels.enumerated().map { ($0.element, int($0.offset)) }))
        return JSONValue.object(members).rendered() + "\n"
    }
}
