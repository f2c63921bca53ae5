/// One row of a text dataset: its text (and second text), its label string, and where it is.
public struct TextExample: Sendable, Hashable {
    /// The (first) text; never empty or only white space.
    public var text: String
    /// The second text of a sentence pair, when the columns name one.
    public var textPair: String?
    /// The label as written in the file, when the columns name a label column.
    public var label: String?
    /// The one-based line of the file where the row starts.
    public var line: Int

    /// An example of the given fields.
    public init(text: String, textPair: String? = nil, label: String? = nil, line: Int) {
        self.text = text
        self.textPair = textPair
        self.label = label
        self.line = line
    }
}
