/// An error reading a checkpoint or tensor file, naming the file, the tensor
/// (when one is concerned) and what is wrong.
///
/// `description` is one line, `<path>: tensor '<name>': <detail>`, ready for
/// a command-line tool to print. Match on codes:
/// ```swift
/// catch CheckpointError.Code.truncated { … }
/// ```
public struct CheckpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. The `name` of each code is stable and appears in tests
    /// and in the malformed-file corpus (`Tests/Fixtures/malformed`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier, e.g. `"invalidOffsets"`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file could not be opened, mapped or read (see ``CheckpointError/errno``).
        public static let unreadable = Code("unreadable")
        /// The file has zero bytes.
        public static let emptyFile = Code("emptyFile")
        /// The file ends before its header or a tensor's data does.
        public static let truncated = Code("truncated")
        /// The safetensors header length exceeds 100,000,000 bytes.
        public static let headerTooLarge = Code("headerTooLarge")
        /// The header is not valid UTF-8.
        public static let invalidUTF8 = Code("invalidUTF8")
        /// The header is not valid JSON.
        public static let invalidJSON = Code("invalidJSON")
        /// The header is valid JSON but not an object.
        public static let headerNotObject = Code("headerNotObject")
        /// A header entry lacks a field or has one of the wrong type.
        public static let invalidEntry = Code("invalidEntry")
        /// The dtype string is not one the safetensors format defines.
        public static let unknownDType = Code("unknownDType")
        /// A shape has a negative dimension.
        public static let invalidShape = Code("invalidShape")
        /// The element count or byte size overflows 64 bits.
        public static let elementCountOverflow = Code("elementCountOverflow")
        /// `end − begin` differs from the element count × dtype size.
        public static let sizeMismatch = Code("sizeMismatch")
        /// Offsets are reversed, overlap, leave a hole, or do not start at 0.
        public static let invalidOffsets = Code("invalidOffsets")
        /// Bytes after the last tensor that no tensor covers.
        public static let trailingBytes = Code("trailingBytes")
        /// A NaN or infinity among the values.
        public static let nonFinite = Code("nonFinite")
        /// An `.npy` file that does not start with `\x93NUMPY`.
        public static let badMagic = Code("badMagic")
        /// An `.npy` format version other than 1.0, 2.0 or 3.0.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// An `.npy` header that is not the expected dictionary literal.
        public static let badNpyHeader = Code("badNpyHeader")
        /// A dtype this toolkit does not read as real numbers (integers, complex, objects, …).
        public static let unsupportedDType = Code("unsupportedDType")
        /// An `.npz` that is not a readable zip archive.
        public static let invalidArchive = Code("invalidArchive")
        /// A `*.safetensors.index.json` that is malformed.
        public static let invalidIndex = Code("invalidIndex")
        /// A tensor name that appears twice (in one archive or across shards).
        public static let duplicateTensor = Code("duplicateTensor")
        /// A tensor that a caller or an index asked for is absent.
        public static let missingTensor = Code("missingTensor")
        /// A path that is none of the supported checkpoint layouts.
        public static let notACheckpoint = Code("notACheckpoint")
        /// A dataset label is negative or not below the number of classes.
        public static let labelOutOfRange = Code("labelOutOfRange")
        /// A PEFT adapter folder whose config, keys or factor shapes are malformed or inconsistent.
        public static let invalidAdapter = Code("invalidAdapter")
        /// A well-formed PEFT adapter whose ΔW is not s·B·A relative to the stored base
        /// (DoRA, a weight-changing initialisation, a non-LoRA method), or a pickle file.
        public static let unsupportedAdapter = Code("unsupportedAdapter")
        /// A name that matches several tensors where one was expected.
        public static let ambiguousTensor = Code("ambiguousTensor")
    }

    /// What went wrong.
    public let code: Code
    /// The file concerned.
    public let path: String
    /// The tensor concerned, if any.
    public let tensor: String?
    /// A human-readable explanation, without the path and tensor.
    public let detail: String
    /// The zero-based multi-index of the offending element (``Code/nonFinite``).
    public let element: [Int]?
    /// The C `errno` behind an ``Code/unreadable`` error.
    public let errno: Int32?

    package init(_ code: Code, path: String, tensor: String? = nil, _ detail: String,
                  element: [Int]? = nil, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.tensor = tensor
        self.detail = detail
        self.element = element
        self.errno = errno
    }

    public var description: String {
        var s = path
        if let tensor { s += ": tensor '\(tensor)'" }
        return s + ": " + detail
    }
}

/// Lets `catch CheckpointError.Code.truncated` match a thrown error by code.
public func ~= (code: CheckpointError.Code, error: any Error) -> Bool {
    (error as? CheckpointError)?.code == code
}
