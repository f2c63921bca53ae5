/// One encoded text or text pair: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, as
/// `BertTokenizerFast(text, text_pair)` returns it (its attention mask is all ones).
public struct TokenEncoding: Sendable, Hashable {
    /// The token ids, special tokens included.
    public var inputIDs: [Int32]
    /// 0 for `[CLS]`, the first text and its `[SEP]`; 1 for the second text and the last `[SEP]`.
    public var tokenTypeIDs: [Int32]

    /// An encoding of the given ids and token types (of equal length).
    public init(inputIDs: [Int32], tokenTypeIDs: [Int32]) {
        precondition(inputIDs.count == tokenTypeIDs.count, "TokenEncoding: \(inputIDs.count) ids but \(tokenTypeIDs.count) token types")
        self.inputIDs = inputIDs
        self.tokenTypeIDs = tokenTypeIDs
    }

    /// The number of tokens.
    public var count: Int { inputIDs.count }
}
