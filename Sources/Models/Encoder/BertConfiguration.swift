import CheckpointIO
import Foundation

/// The architecture of a BERT-family encoder and its classification head, as
/// read from a Hugging Face `config.json` (`model_type` `"bert"`).
///
/// Required fields: `model_type`, `vocab_size`, `hidden_size`,
/// `num_hidden_layers`, `num_attention_heads`, `intermediate_size`,
/// `hidden_act`, `hidden_dropout_prob`, `attention_probs_dropout_prob`,
/// `max_position_embeddings`, `type_vocab_size`, `layer_norm_eps`. Optional,
/// with transformers' defaults: `initializer_range` (0.02),
/// `classifier_dropout` (null: `hidden_dropout_prob`), `id2label`/`label2id`/
/// `num_labels` (two labels `LABEL_0`, `LABEL_1`), `position_embedding_type`
/// (only `"absolute"` is supported).
public struct BertConfiguration: Sendable, Hashable {
    /// `model_type`; always `"bert"`.
    public var modelType: String
    /// `vocab_size`: rows of the word-embedding matrix.
    public var vocabularySize: Int
    /// `hidden_size` H: width of every token's hidden state.
    public var hiddenSize: Int
    /// `num_hidden_layers`: number of transformer layers.
    public var layerCount: Int
    /// `num_attention_heads` A; H must be a multiple of it (head width H/A).
    public var headCount: Int
    /// `intermediate_size`: width of the feed-forward layer.
    public var intermediateSize: Int
    /// `hidden_act`: the feed-forward activation.
    public var activation: BertActivation
    /// `hidden_dropout_prob`: dropout after the embeddings, the attention output and the feed-forward output.
    public var hiddenDropout: Double
    /// `attention_probs_dropout_prob`: dropout on the attention probabilities.
    public var attentionDropout: Double
    /// `classifier_dropout`, or `hidden_dropout_prob` when it is null or absent: dropout before the classifier.
    public var classifierDropout: Double
    /// `max_position_embeddings`: the longest sequence (rows of the position-embedding matrix).
    public var maxPositions: Int
    /// `type_vocab_size`: rows of the token-type-embedding matrix.
    public var typeVocabularySize: Int
    /// `layer_norm_eps`: ε added to the variance in every LayerNorm.
    public var layerNormEpsilon: Double
    /// `initializer_range`: standard deviation of a newly initialised linear layer's weights.
    public var initializerRange: Double
    /// Label names in id order (`id2label`); their count is the classifier's output width.
    public var labels: [String]
    /// The `config.json` text this configuration was read from (its other
    /// fields are copied when a model is saved); empty when built in code.
    public var sourceJSON: String

    /// The number of classes (`num_labels`).
    public var labelCount: Int { labels.count }
    /// H / A, the width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// A configuration from its values (no `config.json`); `labels` default to `LABEL_0…`.
    ///
    /// - Precondition: positive sizes, `hiddenSize` a multiple of `headCount`, probabilities in [0, 1).
    public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                activation: BertActivation = .gelu, hiddenDropout: Double = 0.1, attentionDropout: Double = 0.1,
                classifierDropout: Double? = nil, maxPositions: Int = 512, typeVocabularySize: Int = 2,
                layerNormEpsilon: Double = 1e-12, initializerRange: Double = 0.02, labelCount: Int = 2) {
        precondition(vocabularySize > 0 && hiddenSize > 0 && layerCount >= 0 && headCount > 0
                     && hiddenSize % headCount == 0 && intermediateSize > 0 && maxPositions > 0
                     && typeVocabularySize > 0 && labelCount > 0, "BertConfiguration: impossible sizes")
        precondition((0..<1).contains(hiddenDropout) && (0..<1).contains(attentionDropout), "BertConfiguration: dropout outside [0, 1)")
        modelType = "bert"
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.activation = activation
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.classifierDropout = classifierDropout ?? hiddenDropout
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.initializerRange = initializerRange
        self.labels = (0..<labelCount).map { "LABEL_\($0)" }
        self.sourceJSON = ""
    }

    /// Reads `config.json` at `path` (a file, or a folder holding one).
    ///
    /// - Throws: ``ModelError`` naming the file and field: ``ModelError/Code/unreadable``,
    ///   ``ModelError/Code/invalidConfiguration`` (not a JSON object),
    ///   ``ModelError/Code/missingField``, ``ModelError/Code/invalidField``,
    ///   ``ModelError/Code/unsupportedModelType``, ``ModelError/Code/unsupportedActivation``.
    public init(contentsOf path: String) throws(ModelError) {
        var isDirectory: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? (path as NSString).appendingPathComponent("config.json") : path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ModelError(.unreadable, path: file, "cannot read the file (no config.json?)")
        }
        try self.init(json: [UInt8](data), path: file)
    }

    /// Parses `config.json` bytes; `path` names the file in errors.
    ///
    /// - Throws: as ``init(contentsOf:)``.
    public init(json bytes: [UInt8], path: String) throws(ModelError) {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch {
            throw ModelError(.invalidConfiguration, path: path, "invalid JSON at byte \(error.offset): \(error.message)")
        }
        guard case .object = root else {
            throw ModelError(.invalidConfiguration, path: path, "the configuration is a \(root.typeName), not an object")
        }
        func value(_ key: String) throws(ModelError) -> JSONValue {
            guard let v = root[key], v != .null else { throw ModelError(.missingField, path: path, field: key, "missing") }
            return v
        }
        func int(_ key: String, minimum: Int = 1) throws(ModelError) -> Int {
            let v = try value(key)
            guard let n = v.integer else {
                throw ModelError(.invalidField, path: path, field: key, "expected an integer, found \(v.display)")
            }
            guard n >= minimum else { throw ModelError(.invalidField, path: path, field: key, "\(n) is below \(minimum)") }
            return n
        }
        func real(_ v: JSONValue, _ key: String) throws(ModelError) -> Double {
            guard case let .number(text) = v, let x = Double(text), x.isFinite else {
                throw ModelError(.invalidField, path: path, field: key, "expected a number, found \(v.display)")
            }
            return x
        }
        func probability(_ v: JSONValue, _ key: String) throws(ModelError) -> Double {
            let p = try real(v, key)
            guard p >= 0 && p < 1 else { throw ModelError(.invalidField, path: path, field: key, "\(p) is not in [0, 1)") }
            return p
        }
        guard case let .string(type) = try value("model_type") else {
            throw ModelError(.invalidField, path: path, field: "model_type", "expected a string, found \(try value("model_type").display)")
        }
        guard type == "bert" else {
            throw ModelError(.unsupportedModelType, path: path, field: "model_type",
                             "'\(type)' is not supported (only 'bert': BERT, MiniLM and other BertModel checkpoints)")
        }
        guard case let .string(act) = try value("hidden_act") else {
            throw ModelError(.unsupportedActivation, path: path, field: "hidden_act", "expected a string, found \(try value("hidden_act").display)")
        }
        guard let activation = BertActivation(rawValue: act) else {
            throw ModelError(.unsupportedActivation, path: path, field: "hidden_act",
                             "'\(act)' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)")
        }
        if let pe = root["position_embedding_type"], pe != .null, pe != .string("absolute") {
            throw ModelError(.unsupportedActivation, path: path, field: "position_embedding_type",
                             "\(pe.display) is not supported (only 'absolute')")
        }
        modelType = type
        vocabularySize = try int("vocab_size")
        hiddenSize = try int("hidden_size")
        layerCount = try int("num_hidden_layers", minimum: 0)
        headCount = try int("num_attention_heads")
        guard hiddenSize % headCount == 0 else {
            throw ModelError(.invalidField, path: path, field: "num_attention_heads",
                             "hidden_size \(hiddenSize) is not a multiple of \(headCount) heads")
        }
        intermediateSize = try int("intermediate_size")
        self.activation = activation
        hiddenDropout = try probability(try value("hidden_dropout_prob"), "hidden_dropout_prob")
        attentionDropout = try probability(try value("attention_probs_dropout_prob"), "attention_probs_dropout_prob")
        if let c = root["classifier_dropout"], c != .null {
            classifierDropout = try probability(c, "classifier_dropout")
        } else {
            classifierDropout = hiddenDropout
        }
        maxPositions = try int("max_position_embeddings")
        typeVocabularySize = try int("type_vocab_size")
        layerNormEpsilon = try real(try value("layer_norm_eps"), "layer_norm_eps")
        guard layerNormEpsilon >= 0 else {
            throw ModelError(.invalidField, path: path, field: "layer_norm_eps", "\(layerNormEpsilon) is negative")
        }
        if let r = root["initializer_range"], r != .null {
            initializerRange = try real(r, "initializer_range")
        } else {
            initializerRange = 0.02
        }
        labels = try Self.labels(root, path: path)
        sourceJSON = String(decoding: bytes, as: UTF8.self)
    }

    /// Label names from `id2label` (keys "0"…"n−1"), else `num_labels`
    /// (`LABEL_k`), else transformers' default of two.
    private static func labels(_ root: JSONValue, path: String) throws(ModelError) -> [String] {
        var count: Int?
        if let n = root["num_labels"], n != .null {
            guard let k = n.integer, k >= 1 else {
                throw ModelError(.invalidField, path: path, field: "num_labels", "expected a positive integer, found \(n.display)")
            }
            count = k
        }
        if let map = root["id2label"], map != .null {
            guard case let .object(members) = map, !members.isEmpty else {
                throw ModelError(.invalidField, path: path, field: "id2label", "expected a non-empty object, found \(map.display)")
            }
            var names = [String?](repeating: nil, count: members.count)
            for (key, v) in members {
                guard let i = Int(key), i >= 0, i < members.count, names[i] == nil else {
                    throw ModelError(.invalidField, path: path, field: "id2label",
                                     "key '\(key)' is not one of the ids 0…\(members.count - 1) (each once)")
                }
                guard case let .string(s) = v else {
                    throw ModelError(.invalidField, path: path, field: "id2label", "label \(key) is \(v.display), not a string")
                }
                names[i] = s
            }
            if let count, count != names.count {
                throw ModelError(.invalidField, path: path, field: "num_labels",
                                 "\(count) differs from the \(names.count) labels of id2label")
            }
            return names.map { $0! }
        }
        return (0..<(count ?? 2)).map { "LABEL_\($0)" }
    }
}

extension JSONValue {
    /// A short rendering for error messages.
    var display: String {
        switch self {
        case let .string(s): return "'\(s)'"
        case let .number(t): return t
        case let .bool(b): return String(b)
        case .null: return "null"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
