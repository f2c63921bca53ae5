/// A text classification task: a training and a test file read with the same columns, and the
/// labels mapped to ids in a recorded order.
///
/// The order is the training file's label strings sorted by Unicode code point (Python's
/// `sorted`), over the whole file even when ``trainLimit`` keeps fewer examples, so a model's
/// `num_labels` and `id2label` do not depend on the limit; or an order the caller gives (a saved
/// run's `id2label`). A test label outside it is an error naming the test file, line and column.
public struct TextTask: Sendable {
    /// The label strings; label id `i` is `labels[i]`.
    public let labels: [String]
    /// The training examples (the first ``trainLimit`` of the file, if set).
    public let train: TextDataset
    /// The test examples.
    public let test: TextDataset
    /// The training limit applied, if any.
    public let trainLimit: Int?
    /// The test limit applied (the first N test examples), if any.
    public let testLimit: Int?
    /// The columns read.
    public let columns: TextColumns

    /// Reads `train` and `test` with `columns` (whose label column must be set).
    ///
    /// - Parameters:
    ///   - format: the files' format; by default each file's extension names it.
    ///   - trainLimit: keep only the first N training examples (N ≥ 1).
    ///   - testLimit: keep only the first N test examples (N ≥ 1; quick runs).
    ///   - labels: the label order to use; by default the training file's sorted labels. Every
    ///     training label must be among them too.
    /// - Throws: the ``TextFileReader`` errors, and ``TextError/Code/unknownLabel`` for a label
    ///   not in the order (naming file, line and the label column).
    public init(train: String, test: String, columns: TextColumns, format: TextFileFormat? = nil,
                trainLimit: Int? = nil, testLimit: Int? = nil, labels: [String]? = nil) throws(TextError) {
        precondition(columns.label != nil, "TextTask: the columns must name a label column")
        precondition(trainLimit.map { $0 >= 1 } ?? true, "TextTask: trainLimit must be at least 1")
        precondition(testLimit.map { $0 >= 1 } ?? true, "TextTask: testLimit must be at least 1")
        let labelColumn = columns.label!
        let trainExamples = try TextFileReader.read(train, columns: columns, format: format)
        let testExamples = try TextFileReader.read(test, columns: columns, format: format)
        let order = labels ?? Array(Set(trainExamples.map { $0.label! })).sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
        var ids: [String: Int] = [:]
        for (i, l) in order.enumerated() where ids[l] == nil { ids[l] = i }
        func mapped(_ examples: ArraySlice<TextExample>, _ path: String) throws(TextError) -> [Int] {
            var out: [Int] = []
            out.reserveCapacity(examples.count)
            for e in examples {
                guard let id = ids[e.label!] else {
                    throw TextError(.unknownLabel, path: path, line: e.line, column: labelColumn,
                                    "label '\(e.label!)' is not among the \(order.count) labels of \(labels == nil ? "the training file" : "the given order")")
                }
                out.append(id)
            }
            return out
        }
        let kept = trainExamples.prefix(trainLimit ?? trainExamples.count)
        self.labels = order
        self.train = TextDataset(path: train, examples: Array(kept), labelIDs: try mapped(kept, train))
        let keptTest = testExamples.prefix(testLimit ?? testExamples.count)
        self.test = TextDataset(path: test, examples: Array(keptTest), labelIDs: try mapped(keptTest, test))
        self.trainLimit = trainLimit
        self.testLimit = testLimit
        self.columns = columns
    }

    /// How many examples of `dataset` carry each label id (`labels.count` entries).
    public func labelCounts(_ dataset: TextDataset) -> [Int] {
        var counts = [Int](repeating: 0, count: labels.count)
        for id in dataset.labelIDs { counts[id] += 1 }
        return counts
    }

    /// The accuracy of always answering the test set's most common label: the floor an accuracy
    /// must clear to mean anything on an imbalanced task (R8's `earn` is 49 % of its test set).
    public var majorityTestAccuracy: Double {
        test.count == 0 ? 0 : Double(labelCounts(test).max() ?? 0) / Double(test.count)
    }

    /// Reads a catalogued task (``TextDatasetCatalog``) from `directory` (by default
    /// ``TextDatasetCatalog/defaultDirectory``, where `scripts/fetch-text-datasets.sh` puts it).
    public init(_ entry: TextDatasetEntry, directory: String = TextDatasetCatalog.defaultDirectory,
                trainLimit: Int? = nil, testLimit: Int? = nil, labels: [String]? = nil) throws(TextError) {
        try self.init(train: entry.trainPath(in: directory), test: entry.testPath(in: directory),
                      columns: entry.columns, format: entry.format, trainLimit: trainLimit, testLimit: testLimit, labels: labels)
    }
}
