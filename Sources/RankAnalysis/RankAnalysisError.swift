/// An error of the rank analysis, naming the tensor (and the files) concerned.
public struct RankAnalysisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier, e.g. `"shapeMismatch"`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// Base and tuned tensors of the same name have different shapes.
        public static let shapeMismatch = Code("shapeMismatch")
        /// A tensor is present on one side only, and the analysis is strict.
        public static let unpairedTensor = Code("unpairedTensor")
        /// An `--include`/`--exclude` pattern is not a valid regular expression.
        public static let invalidPattern = Code("invalidPattern")
        /// No tensor is left to analyse after pairing and filtering.
        public static let nothingToAnalyse = Code("nothingToAnalyse")
        /// LAPACK failed on a tensor (see the detail).
        public static let decompositionFailed = Code("decompositionFailed")
        /// An option value is out of range.
        public static let invalidOption = Code("invalidOption")
    }

    /// What went wrong.
    public let code: Code
    /// The tensor concerned, if any.
    public let tensor: String?
    /// The file(s) concerned, if any.
    public let paths: [String]
    /// A human-readable explanation.
    public let detail: String

    internal init(_ code: Code, tensor: String? = nil, paths: [String] = [], _ detail: String) {
        self.code = code
        self.tensor = tensor
        self.paths = paths
        self.detail = detail
    }

    public var description: String {
        var parts: [String] = []
        if !paths.isEmpty { parts.append(paths.joined(separator: " vs ")) }
        if let tensor { parts.append("tensor '\(tensor)'") }
        parts.append(detail)
        return parts.joined(separator: ": ")
    }
}

/// Lets `catch RankAnalysisError.Code.shapeMismatch` match a thrown error by code.
public func ~= (code: RankAnalysisError.Code, error: any Error) -> Bool {
    (error as? RankAnalysisError)?.code == code
}
