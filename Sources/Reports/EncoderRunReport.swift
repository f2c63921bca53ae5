import CheckpointIO
import Foundation
import Models
import Text
import Training

/// The files of one fine-tuning run of an encoder classifier (``Training/EncoderTrainer``):
///
/// - `metrics.csv`: `epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,test_macro_f1,majority_test_accuracy,learning_rate,seconds`,
///   one row per finished epoch (losses in nats; train metrics with dropout on, test metrics with it off;
///   `majority_test_accuracy` is the floor of always answering the test set's most common label);
/// - `predictions.csv`: `index,label,prediction,logit_0,…` for every test example in file order
///   (the final model, eval mode);
/// - `model.safetensors` and `config.json`: the trained model as a transformers folder
///   (``Models/BertClassifier/save(parameters:to:)``: `bert.…` and `classifier.*` names,
///   `num_labels`, `id2label`), so `BertForSequenceClassification.from_pretrained(run)` loads it;
/// - `run.json`: every option, the model folder, the dataset (files, columns, counts, `max_length`,
///   `train_limit`), the label order (`id2label`), the weight-decay policy, the final and best test
///   accuracy, macro-F1, the majority floor, status and provenance. Written last, so its presence
///   marks a complete run.
///
/// Every file is written to a temporary name and renamed.
public struct EncoderRunReport: Sendable {
    /// The model trained.
    public let model: BertClassifier
    /// The options of the run.
    public let options: EncoderTrainingOptions
    /// The task.
    public let task: TextTask
    /// The model folder read (`--model`).
    public let modelFolder: String
    /// The dataset as given (`--dataset`).
    public let dataset: String
    /// Head tensors initialised from the seed (absent in the folder).
    public let initializedTensors: [String]
    /// Threads used.
    public let threads: Int
    /// Where the run came from.
    public let provenance: RunProvenance

    /// A report; nothing is written until ``write(_:to:)``.
    public init(model: BertClassifier, options: EncoderTrainingOptions, task: TextTask, modelFolder: String, dataset: String,
                initializedTensors: [String], threads: Int, provenance: RunProvenance) {
        self.model = model; self.options = options; self.task = task; self.modelFolder = modelFolder
        self.dataset = dataset; self.initializedTensors = initializedTensors; self.threads = threads; self.provenance = provenance
    }

    /// The columns of `metrics.csv`.
    public static let metricsColumns = ["epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                                        "test_macro_f1", "majority_test_accuracy", "learning_rate", "seconds"]

    /// `metrics.csv` for `records` with the majority floor `majority`.
    public static func metricsCSV(_ records: [EncoderEpochRecord], majority: Double) -> String {
        var t = CSVTable(columns: metricsColumns)
        for r in records {
            t.append([.integer(r.epoch), .integer(r.step), .real(r.trainLoss), .real(r.trainAccuracy), .real(r.testLoss),
                      .real(r.testAccuracy), .real(r.testMacroF1), .real(majority), .real(r.learningRate), .real(r.seconds)])
        }
        return t.text
    }

    /// `predictions.csv` for the final test logits (n × classes) and predictions.
    public static func predictionsCSV(logits: [Float], predictions: [Int], labels: [Int], classCount: Int) -> String {
        var t = CSVTable(columns: ["index", "label", "prediction"] + (0..<classCount).map { "logit_\($0)" })
        for i in 0..<predictions.count {
            t.append([.integer(i), .integer(labels[i]), .integer(predictions[i])] +
                     (0..<classCount).map { .real(Double(logits[i * classCount + $0])) })
        }
        return t.text
    }

    struct DatasetSummary: Encodable {
        let name: String
        let train_file: String
        let test_file: String
        let text_column: String
        let text_pair_column: String?
        let label_column: String?
        let train_examples: Int
        let test_examples: Int
        let train_limit: Int?
        let max_length: Int
        let train_label_counts: [Int]
        let test_label_counts: [Int]
    }

    struct Summary: Encodable {
        let mode: String
        let model_folder: String
        let model_type: String
        let options: EncoderTrainingOptions
        let threads: Int
        let optimizer: String
        let weight_decay_excludes: String
        let schedule: LinearWarmupSchedule
        let dataset: DatasetSummary
        let num_labels: Int
        let id2label: [String: String]
        let initialized_tensors: [String]
        let full_dimension: Int
        let trainable_parameters: Int
        let status: RunStatus
        let divergence: String?
        let epochs_completed: Int
        let steps: Int
        let best_test_accuracy: Double
        let final_test_accuracy: Double
        let final_test_macro_f1: Double
        let final_test_loss: Double?
        let majority_test_accuracy: Double
        let provenance: RunProvenance
    }

    /// `run.json`'s text.
    public func json(result: EncoderTrainingResult, schedule: LinearWarmupSchedule) throws -> String {
        let c = task.columns
        return try JSONReport.encode(Summary(
            mode: "full", model_folder: modelFolder, model_type: model.configuration.modelType, options: options, threads: threads,
            optimizer: "AdamW (torch.optim.AdamW), linear warm-up then linear decay to 0 (get_linear_schedule_with_warmup)",
            weight_decay_excludes: "tensors named *.bias and *LayerNorm* (transformers Trainer)",
            schedule: schedule,
            dataset: DatasetSummary(name: dataset, train_file: task.train.path, test_file: task.test.path, text_column: c.text,
                                    text_pair_column: c.textPair, label_column: c.label, train_examples: task.train.count,
                                    test_examples: task.test.count, train_limit: task.trainLimit, max_length: options.maxLength,
                                    train_label_counts: task.labelCounts(task.train), test_label_counts: task.labelCounts(task.test)),
            num_labels: task.labels.count,
            id2label: Dictionary(uniqueKeysWithValues: task.labels.enumerated().map { (String($0.offset), $0.element) }),
            initialized_tensors: initializedTensors, full_dimension: model.layout.count, trainable_parameters: model.layout.count,
            status: result.status, divergence: result.divergence, epochs_completed: result.epochs.count, steps: result.steps,
            best_test_accuracy: result.bestTestAccuracy, final_test_accuracy: result.finalTestAccuracy,
            final_test_macro_f1: result.finalTestMacroF1, final_test_loss: result.epochs.last?.testLoss,
            majority_test_accuracy: task.majorityTestAccuracy, provenance: provenance))
    }

    /// Rewrites `metrics.csv` (after each epoch, so a long run shows its progress).
    public func writeMetrics(_ records: [EncoderEpochRecord], to directory: String) throws {
        try ReportDirectory.create(directory)
        try AtomicFile.write(text: Self.metricsCSV(records, majority: task.majorityTestAccuracy),
                             to: (directory as NSString).appendingPathComponent("metrics.csv"))
    }

    /// Writes every file of the run; `run.json` last.
    public func write(_ result: EncoderTrainingResult, schedule: LinearWarmupSchedule, to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try writeMetrics(result.epochs, to: directory)
        try AtomicFile.write(text: Self.predictionsCSV(logits: result.testLogits, predictions: result.testPredictions,
                                                       labels: task.test.labelIDs, classCount: model.classCount),
                             to: path("predictions.csv"))
        try model.save(parameters: result.parameters, to: directory)
        try AtomicFile.write(text: try json(result: result, schedule: schedule), to: path("run.json"))
    }
}
