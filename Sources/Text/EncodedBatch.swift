/// Encodings padded to the longest of them, as `BertTokenizerFast(texts, padding=True)` returns them:
/// three `count × sequenceLength` matrices stored row-major (element (i, j) at `i * sequenceLength + j`).
///
/// Padding is on the right, with the padding token's id, token type 0 and attention mask 0.
public struct EncodedBatch: Sendable, Hashable {
    /// The number of sequences (rows).
    public let count: Int
    /// The length of every row: the longest encoding's.
    public let sequenceLength: Int
    /// Token ids, row-major `count × sequenceLength`.
    public let inputIDs: [Int32]
    /// Token types (0 or 1; 0 on padding), row-major `count × sequenceLength`.
    public let tokenTypeIDs: [Int32]
    /// 1 on tokens, 0 on padding, row-major `count × sequenceLength`.
    public let attentionMask: [Int32]
    /// The unpadded length of each row.
    public let lengths: [Int]

    /// Pads `encodings` to the longest with `paddingID`.
    public init(_ encodings: [TokenEncoding], paddingID: Int32) {
        count = encodings.count
        let length = encodings.map(\.count).max() ?? 0
        sequenceLength = length
        var ids = [Int32](repeating: paddingID, count: count * length)
        var types = [Int32](repeating: 0, count: count * length)
        var mask = [Int32](repeating: 0, count: count * length)
        for (i, e) in encodings.enumerated() {
            for j in 0..<e.count {
                ids[i * length + j] = e.inputIDs[j]
                types[i * length + j] = e.tokenTypeIDs[j]
                mask[i * length + j] = 1
            }
        }
        inputIDs = ids
        tokenTypeIDs = types
        attentionMask = mask
        lengths = encodings.map(\.count)
    }
}
