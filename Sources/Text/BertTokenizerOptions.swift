import CheckpointIO

/// The settings of a BERT WordPiece tokenizer, as `transformers`' `tokenizer_config.json` holds them.
///
/// Defaults are `BertTokenizer`'s: lower-casing on, accents stripped when lower-casing
/// (`strip_accents` null), Chinese characters split, 100 characters at most per word.
public struct BertTokenizerOptions: Sendable, Hashable {
    /// `do_lower_case`: lower-case the text (Unicode full lower-case mapping, per scalar).
    public var doLowerCase = true
    /// `strip_accents`: decompose (NFD) and remove non-spacing marks; `nil` follows ``doLowerCase``.
    public var stripAccents: Bool? = nil
    /// `tokenize_chinese_chars`: make every CJK ideograph a word of its own.
    public var tokenizeChineseChars = true
    /// `model_max_length`, if the config gives one (not applied unless a caller asks for it).
    public var modelMaxLength: Int? = nil
    /// WordPiece's `max_input_chars_per_word`: a longer word (in Unicode scalars) becomes ``unknownToken``.
    public var maxInputCharsPerWord = 100
    /// `unk_token`.
    public var unknownToken = "[UNK]"
    /// `cls_token`, the first token of every encoding.
    public var classToken = "[CLS]"
    /// `sep_token`, ending each segment of an encoding.
    public var separatorToken = "[SEP]"
    /// `pad_token`, filling a batch to its longest encoding.
    public var paddingToken = "[PAD]"
    /// `mask_token`.
    public var maskToken = "[MASK]"

    /// The defaults (`BertTokenizer()`'s).
    public init() {}

    /// Whether accents are stripped: ``stripAccents``, or ``doLowerCase`` when that is `nil`.
    public var stripsAccents: Bool { stripAccents ?? doLowerCase }

    /// The special tokens that are matched in the raw text and never split:
    /// unknown, separator, padding, class and mask tokens.
    public var specialTokens: [String] { [paddingToken, unknownToken, classToken, separatorToken, maskToken] }

    /// Reads a `tokenizer_config.json`: `do_lower_case`, `strip_accents` (a boolean or null),
    /// `tokenize_chinese_chars`, `model_max_length`, and the special tokens (each a string or an
    /// `AddedToken` object with a `content`); absent fields keep their defaults, others are ignored.
    ///
    /// - Throws: ``TextError/Code/unreadable``; ``TextError/Code/invalidTokenizerConfig`` naming
    ///   the field for a file that is not a JSON object or a field of the wrong type.
    public init(tokenizerConfigPath path: String) throws(TextError) {
        try self.init(tokenizerConfigPath: path, bytes: FileBytes.read(path))
    }

    /// The settings from the bytes of a `tokenizer_config.json` (without the file system).
    package init(tokenizerConfigPath path: String, bytes: [UInt8]) throws(TextError) {
        let object: JSONValue
        do {
            object = try JSONParser.parse(bytes)
        } catch {
            throw TextError(.invalidTokenizerConfig, path: path, "not valid JSON (byte \(error.offset): \(error.message))")
        }
        guard case .object = object else { throw TextError(.invalidTokenizerConfig, path: path, "not a JSON object") }
        func bad(_ field: String, _ expected: String, _ v: JSONValue) -> TextError {
            TextError(.invalidTokenizerConfig, path: path, column: field, "expected \(expected), found a JSON \(v.typeName)")
        }
        func bool(_ field: String) throws(TextError) -> Bool? {
            guard let v = object[field] else { return nil }
            switch v {
            case .null: return nil
            case .bool(let b): return b
            default: throw bad(field, "true, false or null", v)
            }
        }
        func token(_ field: String) throws(TextError) -> String? {
            guard let v = object[field] else { return nil }
            switch v {
            case .null: return nil
            case .string(let s): return s
            case .object:
                if case .string(let s)? = v["content"] { return s }
                throw bad(field, "an AddedToken object with a \"content\" string", v)
            default: throw bad(field, "a string", v)
            }
        }
        self.init()
        if let v = try bool("do_lower_case") { doLowerCase = v }
        stripAccents = try bool("strip_accents")
        if let v = try bool("tokenize_chinese_chars") { tokenizeChineseChars = v }
        if let v = object["model_max_length"] {
            switch v {
            case .null: break
            case .number(let text):
                // transformers writes a huge placeholder (1e30) for a model without a limit.
                if let d = Double(text), d >= 1, d < 1e15 { modelMaxLength = Int(d) }
            default: throw bad("model_max_length", "a number", v)
            }
        }
        if let v = try token("unk_token") { unknownToken = v }
        if let v = try token("cls_token") { classToken = v }
        if let v = try token("sep_token") { separatorToken = v }
        if let v = try token("pad_token") { paddingToken = v }
        if let v = try token("mask_token") { maskToken = v }
    }
}
