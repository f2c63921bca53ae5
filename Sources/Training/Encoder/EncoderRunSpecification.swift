import Foundation
import Text

/// Everything that determines one fine-tuning run of an encoder folder (``EncoderTrainer``)
/// except where the catalogued data live: the folder, the task's files, columns and limits, the
/// options (seed included) and what is trained. `train --model DIR` and every run of an encoder
/// sweep are built from one of these, so two runs with equal specifications give bit-identical
/// weights.
public struct EncoderRunSpecification: Sendable, Hashable {
    /// The Hugging Face BERT folder (`config.json`, `model.safetensors`, `vocab.txt`).
    public var modelFolder: String
    /// A catalogued task name (``Text/TextDatasetCatalog``: `reuters-r8`, `20newsgroups`) or the
    /// training file (TSV, CSV, JSONL, `.tab`).
    public var dataset: String
    /// The test file of a `dataset` given as a file (`nil` for a catalogued task).
    public var testDataset: String?
    /// The columns read from a `dataset` given as a file (a catalogued task has its own).
    public var columns: TextColumns
    /// Use only the first N training examples (`nil`: all).
    public var trainLimit: Int?
    /// Evaluate on the first N test examples only (`nil`: all).
    public var testLimit: Int?
    /// The hyper-parameters and seed (the seed also initialises a head the folder lacks).
    public var options: EncoderTrainingOptions
    /// The subspace construction of a subspace run (d counts SAID's scales), else `nil`.
    public var subspace: RunSpecification.Subspace?
    /// The LoRA configuration of a LoRA run (`targets` are PEFT keys such as `query`), else `nil`.
    public var lora: RunSpecification.LoRA?

    /// A full fine-tuning run; set ``subspace`` or ``lora`` for the other modes.
    public init(modelFolder: String, dataset: String, testDataset: String? = nil,
                columns: TextColumns = TextColumns(text: "text", label: "label"), trainLimit: Int? = nil, testLimit: Int? = nil,
                options: EncoderTrainingOptions = EncoderTrainingOptions()) {
        self.modelFolder = modelFolder
        self.dataset = dataset
        self.testDataset = testDataset
        self.columns = columns
        self.trainLimit = trainLimit
        self.testLimit = testLimit
        self.options = options
    }

    /// `full`, `subspace` or `lora`.
    public var modeName: String { lora != nil ? "lora" : subspace != nil ? "subspace" : "full" }

    /// The catalogued task named ``dataset``, if it is one.
    public var catalogEntry: TextDatasetEntry? { TextDatasetCatalog.entries.first { $0.name == dataset } }

    /// Reads the task: a catalogued one from `dataDirectory/text`, else ``dataset`` and
    /// ``testDataset`` with ``columns``.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `test-dataset` for a file without a
    ///   test file or a catalogued task with one, or a limit below 1; the ``Text/TextTask`` errors
    ///   (file, line and column).
    public func task(dataDirectory: String) throws -> TextTask {
        if let limit = trainLimit, limit < 1 { throw TrainingError.invalidOption("train-limit", "must be at least 1, got \(limit)") }
        if let limit = testLimit, limit < 1 { throw TrainingError.invalidOption("test-limit", "must be at least 1, got \(limit)") }
        if let entry = catalogEntry {
            guard testDataset == nil else {
                throw TrainingError.invalidOption("test-dataset", "is for --dataset FILE; \(dataset) has its own test file")
            }
            return try TextTask(entry, directory: (dataDirectory as NSString).appendingPathComponent("text"), trainLimit: trainLimit,
                                testLimit: testLimit)
        }
        guard let testDataset else { throw TrainingError.invalidOption("test-dataset", "--dataset FILE needs --test-dataset FILE for an encoder run") }
        return try TextTask(train: dataset, test: testDataset, columns: columns, trainLimit: trainLimit, testLimit: testLimit)
    }
}
