/// The labelled examples of one file of a text task, each label as an id into the task's labels.
public struct TextDataset: Sendable {
    /// The file the examples come from.
    public let path: String
    /// The examples, in file order (the first N with a training limit).
    public let examples: [TextExample]
    /// The label id of each example: an index into ``TextTask/labels``.
    public let labelIDs: [Int]

    /// Examples with their label ids (of equal count).
    public init(path: String, examples: [TextExample], labelIDs: [Int]) {
        precondition(examples.count == labelIDs.count, "TextDataset: \(examples.count) examples but \(labelIDs.count) labels")
        self.path = path
        self.examples = examples
        self.labelIDs = labelIDs
    }

    /// The number of examples.
    public var count: Int { examples.count }
    /// The (first) texts, in order.
    public var texts: [String] { examples.map(\.text) }
    /// The second texts, in order, when the task has pairs; otherwise `nil`.
    public var textPairs: [String]? {
        examples.first?.textPair == nil ? nil : examples.map { $0.textPair ?? "" }
    }
}
