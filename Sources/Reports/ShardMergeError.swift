/// Shards that cannot be merged into one run, naming the shard folder at
/// fault: `description` is one line, `<folder>: <what is wrong>`.
public struct ShardMergeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The shard folder concerned (or the first folder given, for a shard that is missing).
    public let directory: String
    /// What is wrong.
    public let detail: String

    /// An error about `directory`.
    public init(_ directory: String, _ detail: String) {
        self.directory = directory
        self.detail = detail
    }

    public var description: String { "\(directory): \(detail)" }
}
