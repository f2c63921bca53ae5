import Foundation

/// The fields of a Hugging Face model folder's `config.json` that say which
/// transformers class the checkpoint is, read beside a checkpoint path.
///
/// Only what pairing and adapters need is read: `architectures` (e.g.
/// `["BertForSequenceClassification"]`, which transformers writes on
/// `save_pretrained`), `model_type` and `num_labels` (or the length of
/// `id2label`). Other fields are not validated.
public struct ModelFolderConfig: Sendable {
    /// The `config.json` read.
    public let path: String
    /// `architectures`, in the file's order (empty when absent or `null`).
    public let architectures: [String]
    /// `model_type`, e.g. `"bert"`.
    public let modelType: String?
    /// `num_labels`, else the number of `id2label` entries, else `nil`.
    public let labelCount: Int?

    /// PEFT's `task_type` for a model of ``architectures``: `SEQ_CLS` for a
    /// `…ForSequenceClassification`, `TOKEN_CLS` for `…ForTokenClassification`,
    /// `QUESTION_ANS` for `…ForQuestionAnswering`, `CAUSAL_LM` for `…ForCausalLM`
    /// (or `…LMHeadModel`), `SEQ_2_SEQ_LM` for `…ForConditionalGeneration`, else
    /// `nil` (a bare `BertModel` has none; PEFT then wraps it as a plain `PeftModel`).
    public var peftTaskType: String? {
        let suffixes = [("ForSequenceClassification", "SEQ_CLS"), ("ForTokenClassification", "TOKEN_CLS"),
                        ("ForQuestionAnswering", "QUESTION_ANS"), ("ForCausalLM", "CAUSAL_LM"),
                        ("LMHeadModel", "CAUSAL_LM"), ("ForConditionalGeneration", "SEQ_2_SEQ_LM")]
        for a in architectures {
            if let (_, task) = suffixes.first(where: { a.hasSuffix($0.0) }) { return task }
        }
        return nil
    }

    /// The `config.json` of the model folder holding the checkpoint at
    /// `checkpointPath`: `<dir>/config.json` for a directory, else the one
    /// beside the file (a `model.safetensors` or an index inside its folder);
    /// `nil` when there is none.
    ///
    /// - Throws: ``CheckpointError/Code/invalidJSON`` naming the file for a
    ///   config that is not a JSON object or has a field of the wrong type;
    ///   ``CheckpointError/Code/unreadable`` when it cannot be read.
    public static func near(_ checkpointPath: String) throws(CheckpointError) -> ModelFolderConfig? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: checkpointPath, isDirectory: &isDirectory) else { return nil }
        let folder = isDirectory.boolValue ? checkpointPath : (checkpointPath as NSString).deletingLastPathComponent
        let path = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ModelFolderConfig(path: path)
    }

    /// Reads the `config.json` at `path`.
    ///
    /// - Throws: as ``near(_:)``.
    public init(path: String) throws(CheckpointError) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CheckpointError(.unreadable, path: path, "cannot read the model config (\(error.localizedDescription))")
        }
        func fail(_ detail: String) -> CheckpointError { CheckpointError(.invalidJSON, path: path, detail) }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw fail("invalid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case let .object(members) = json else { throw fail("the model config is a JSON \(json.typeName), not an object") }
        let field = { (k: String) in members.first { $0.0 == k }?.1 }
        var architectures: [String] = []
        if let v = field("architectures"), v != .null {
            guard case let .array(items) = v else { throw fail("'architectures' must be a list of strings, got \(v.display)") }
            for item in items {
                guard case let .string(s) = item else { throw fail("'architectures' must be a list of strings, got \(item.display) in it") }
                architectures.append(s)
            }
        }
        var modelType: String? = nil
        if let v = field("model_type"), v != .null {
            guard case let .string(s) = v else { throw fail("'model_type' must be a string, got \(v.display)") }
            modelType = s
        }
        var labels: Int? = nil
        if let v = field("num_labels"), v != .null {
            guard let n = v.integer, n >= 1 else { throw fail("'num_labels' must be a positive integer, got \(v.display)") }
            labels = n
        } else if let v = field("id2label"), case let .object(entries) = v {
            labels = entries.count
        }
        self.path = path
        self.architectures = architectures
        self.modelType = modelType
        self.labelCount = labels
    }
}
