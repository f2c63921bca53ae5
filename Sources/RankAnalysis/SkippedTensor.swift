/// A tensor left out of the analysis, and why.
public struct SkippedTensor: Sendable, Hashable, Codable {
    /// The tensor's name.
    public let tensor: String
    /// Why it was skipped, e.g. `"integer dtype I64 (…)"` or `"only in base"`.
    public let reason: String

    /// A skipped tensor and the reason shown for it.
    public init(tensor: String, reason: String) {
        self.tensor = tensor
        self.reason = reason
    }
}
