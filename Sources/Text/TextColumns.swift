/// The columns of a text dataset file that hold the text, the optional second text of a
/// sentence pair, and the label.
public struct TextColumns: Sendable, Hashable {
    /// The column of the (first) text.
    public var text: String
    /// The column of the second text of a sentence pair, if the task has pairs.
    public var textPair: String?
    /// The column of the label; `nil` reads texts only (e.g. to tokenize them).
    public var label: String?

    /// Columns named `text`, `textPair` and `label`.
    public init(text: String, textPair: String? = nil, label: String? = nil) {
        self.text = text
        self.textPair = textPair
        self.label = label
    }
}
