extension BertTokenizer {
    /// Every example of `dataset` encoded (its text, and its second text when the task has pairs),
    /// in order: `encodings[i]` belongs to `dataset.examples[i]` and `dataset.labelIDs[i]`.
    /// Batch them with ``EncodedBatch/init(_:paddingID:)`` and ``paddingID``.
    ///
    /// - Precondition: `maxLength` as in ``encode(_:pair:maxLength:)``.
    public func encode(_ dataset: TextDataset, maxLength: Int? = nil) -> [TokenEncoding] {
        var ids: [Int32] = []
        var word: [UInt8] = []
        word.reserveCapacity(64)
        return dataset.examples.map { encode($0.text, pair: $0.textPair, maxLength: maxLength, ids: &ids, word: &word) }
    }
}
