/// A padded batch of token sequences for an encoder: n examples of length L
/// (the longest in the batch, or a fixed maximum), row-major n × L.
///
/// Padding follows the tokenizer's convention: a real token has mask 1, a
/// pad token mask 0 (pads anywhere; BERT tokenizers pad on the right).
/// Positions are 0…L−1 in every row, as transformers' default `position_ids`.
public struct EncoderBatch: Sendable, Hashable {
    /// n, the number of examples.
    public let count: Int
    /// L, the padded length of every example.
    public let length: Int
    /// Token ids, n × L row-major, each in 0..<vocab_size.
    public var tokenIDs: [Int32]
    /// Token-type (segment) ids, n × L, each in 0..<type_vocab_size (0 for the first text, 1 for the second).
    public var tokenTypes: [Int32]
    /// Attention mask, n × L: 1 for a real token, 0 for padding; every row has a real token.
    public var attentionMask: [Int32]
    /// Class labels, n values in 0..<num_labels; empty for inference without a loss.
    public var labels: [Int32]

    /// A batch from its arrays.
    ///
    /// - Precondition: the three token arrays hold `count × length` values and
    ///   `labels` holds `count` or none (checked ranges: ``BertClassifier/validate(_:)``).
    public init(count: Int, length: Int, tokenIDs: [Int32], tokenTypes: [Int32]? = nil,
                attentionMask: [Int32]? = nil, labels: [Int32] = []) {
        precondition(count >= 0 && length >= 1, "EncoderBatch: count \(count), length \(length)")
        precondition(tokenIDs.count == count * length, "EncoderBatch: \(tokenIDs.count) ids for \(count) × \(length)")
        self.count = count
        self.length = length
        self.tokenIDs = tokenIDs
        self.tokenTypes = tokenTypes ?? [Int32](repeating: 0, count: count * length)
        self.attentionMask = attentionMask ?? [Int32](repeating: 1, count: count * length)
        self.labels = labels
        precondition(self.tokenTypes.count == count * length && self.attentionMask.count == count * length,
                     "EncoderBatch: token types or mask not \(count) × \(length)")
        precondition(labels.isEmpty || labels.count == count, "EncoderBatch: \(labels.count) labels for \(count) examples")
    }
}
