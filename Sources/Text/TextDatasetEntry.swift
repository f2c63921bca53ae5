/// A bundled text task: its files (as `scripts/fetch-text-datasets.sh` names them), their format
/// and columns, and the counts the files must have.
public struct TextDatasetEntry: Sendable, Hashable {
    /// The name `--dataset` takes, e.g. `"reuters-r8"`.
    public let name: String
    /// One line on what the task is and where it comes from.
    public let summary: String
    /// The training file's name inside the data directory.
    public let trainFile: String
    /// The test file's name inside the data directory.
    public let testFile: String
    /// The files' format.
    public let format: TextFileFormat
    /// The text and label columns.
    public let columns: TextColumns
    /// The number of training documents.
    public let trainCount: Int
    /// The number of test documents.
    public let testCount: Int
    /// The number of labels (topics).
    public let labelCount: Int

    /// The path of the training file in `directory`.
    public func trainPath(in directory: String) -> String { directory + "/" + trainFile }
    /// The path of the test file in `directory`.
    public func testPath(in directory: String) -> String { directory + "/" + testFile }

    /// An entry of the given fields.
    public init(name: String, summary: String, trainFile: String, testFile: String, format: TextFileFormat,
                columns: TextColumns, trainCount: Int, testCount: Int, labelCount: Int) {
        self.name = name
        self.summary = summary
        self.trainFile = trainFile
        self.testFile = testFile
        self.format = format
        self.columns = columns
        self.trainCount = trainCount
        self.testCount = testCount
        self.labelCount = labelCount
    }
}
