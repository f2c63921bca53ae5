/// An error reading a vocabulary, a tokenizer configuration or a text dataset, naming
/// the file, the line and the column concerned.
///
/// `description` is one line, `<path>:<line>: column '<column>': <detail>` (the line and
/// column parts only when known), ready for a command-line tool to print. Match on codes:
/// ```swift
/// catch TextError.Code.unknownLabel { … }
/// ```
public struct TextError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. The `name` of each code is stable and appears in tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier, e.g. `"missingColumn"`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file could not be opened or read (see ``TextError/errno``).
        public static let unreadable = Code("unreadable")
        /// Bytes that are not valid UTF-8 in a field, a header or a vocabulary line.
        public static let invalidUTF8 = Code("invalidUTF8")
        /// A header that lacks a column the caller named, or a row with fewer fields than the header.
        public static let missingColumn = Code("missingColumn")
        /// A row with more fields than the header, an unterminated CSV quote, or text after a closing quote.
        public static let malformedRow = Code("malformedRow")
        /// A JSONL line that is not a JSON object, or a field of the wrong JSON type.
        public static let invalidJSON = Code("invalidJSON")
        /// A text field that is empty or holds only white space.
        public static let emptyText = Code("emptyText")
        /// A label in a test (or evaluation) file that the training file's labels do not contain.
        public static let unknownLabel = Code("unknownLabel")
        /// A file with a header but no data rows.
        public static let noRows = Code("noRows")
        /// A `vocab.txt` that is empty or lacks a token the tokenizer needs (`[UNK]`, `[CLS]`, …).
        public static let invalidVocabulary = Code("invalidVocabulary")
        /// A `tokenizer_config.json` that is not a JSON object or has a field of the wrong type.
        public static let invalidTokenizerConfig = Code("invalidTokenizerConfig")
        /// A dataset name that ``TextDatasetCatalog`` does not know.
        public static let unknownDataset = Code("unknownDataset")
        /// A file whose name does not say its format (`.tsv`, `.csv`, `.jsonl`, `.tab`).
        public static let unknownFormat = Code("unknownFormat")
    }

    /// What went wrong.
    public let code: Code
    /// The file concerned.
    public let path: String
    /// The one-based line of the file where the offending row starts, if any.
    public let line: Int?
    /// The column (field name) concerned, if any.
    public let column: String?
    /// A human-readable explanation, without the path, line and column.
    public let detail: String
    /// The C `errno` behind an ``Code/unreadable`` error.
    public let errno: Int32?

    package init(_ code: Code, path: String, line: Int? = nil, column: String? = nil, _ detail: String,
                 errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.line = line
        self.column = column
        self.detail = detail
        self.errno = errno
    }

    public var description: String {
        var s = path
        if let line { s += ":\(line)" }
        if let column { s += ": column '\(column)'" }
        return s + ": " + detail
    }
}

/// Lets `catch TextError.Code.unknownLabel` match a thrown error by code.
public func ~= (code: TextError.Code, error: any Error) -> Bool {
    (error as? TextError)?.code == code
}
