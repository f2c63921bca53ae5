/// An error reading, building or saving an encoder model folder, naming the
/// file, the tensor or field concerned and what is wrong.
///
/// `description` is one line, `<path>: tensor '<name>': <detail>` (or
/// `<path>: field '<name>': <detail>`), ready for a command-line tool to print.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong; `name` is stable and appears in tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier, e.g. `"missingField"`.
        public let name: String
        private init(_ name: String) { self.name = name }
        /// The identifier.
        public var description: String { name }

        /// A file or folder that does not exist or cannot be read.
        public static let unreadable = Code("unreadable")
        /// `config.json` is not a JSON object.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A required `config.json` field is absent.
        public static let missingField = Code("missingField")
        /// A `config.json` field has the wrong type or an impossible value.
        public static let invalidField = Code("invalidField")
        /// `model_type` is not one this toolkit implements.
        public static let unsupportedModelType = Code("unsupportedModelType")
        /// `hidden_act` (or another option) is not one this toolkit implements.
        public static let unsupportedActivation = Code("unsupportedActivation")
        /// A tensor the model needs is absent from the checkpoint.
        public static let missingTensor = Code("missingTensor")
        /// A tensor's shape differs from the one the configuration implies.
        public static let shapeMismatch = Code("shapeMismatch")
        /// A tensor holds a NaN or infinity.
        public static let nonFinite = Code("nonFinite")
        /// A tensor's dtype is not F32, F16, BF16 or F64.
        public static let unsupportedDType = Code("unsupportedDType")
        /// The weights could not be read (a malformed safetensors file or index).
        public static let invalidCheckpoint = Code("invalidCheckpoint")
        /// A batch does not fit the model or workspace (ids out of range, no real token, …).
        public static let invalidBatch = Code("invalidBatch")
        /// Writing the output folder failed.
        public static let writeFailed = Code("writeFailed")
    }

    /// What went wrong.
    public let code: Code
    /// The file or folder concerned.
    public let path: String
    /// The tensor concerned, if any.
    public let tensor: String?
    /// The `config.json` field concerned, if any.
    public let field: String?
    /// What is wrong, in a few words.
    public let detail: String

    /// An error of `code` about `path`, optionally naming a `tensor` or `field`.
    public init(_ code: Code, path: String, tensor: String? = nil, field: String? = nil, _ detail: String) {
        self.code = code
        self.path = path
        self.tensor = tensor
        self.field = field
        self.detail = detail
    }

    /// `<path>: tensor '<name>': <detail>` on one line.
    public var description: String {
        var s = path
        if let tensor { s += ": tensor '\(tensor)'" }
        if let field { s += ": field '\(field)'" }
        s += ": " + detail
        return s.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension ModelError.Code {
    /// Pattern-matches an error against a code: `catch ModelError.Code.missingTensor`.
    public static func ~= (code: ModelError.Code, error: any Error) -> Bool {
        (error as? ModelError)?.code == code
    }
}
