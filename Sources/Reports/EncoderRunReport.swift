import CheckpointIO
import Foundation
import Models
import Projections
import LinearAlgebra
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
/// - subspace runs also: `theta_d.npy` (float32, d values; SAID: θ′ then the per-tensor scales λ)
///   and `projection.json` (the descriptor that rebuilds P); `model.safetensors` is θ⁰ + f(θ_d);
/// - LoRA runs also: `adapter/`, a PEFT adapter of `BertForSequenceClassification`
///   (`task_type` `SEQ_CLS`, F32 factors under `base_model.model.bert.…` keys, the classifier saved
///   whole as `modules_to_save` does), which `PeftModel.from_pretrained` loads onto the base
///   model; `model.safetensors` is then the merged W₀ + s·B·A with the trained classifier.
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
    /// The subspace construction of a subspace run, else `nil`.
    public let subspace: RunSpecification.Subspace?
    /// The LoRA configuration of a LoRA run, else `nil`.
    public let lora: RunSpecification.LoRA?
    /// The LoRA map of a LoRA run (targets, ranks, saved tensors), else `nil`.
    public let loraMap: LoRAMap?

    /// A report; nothing is written until ``write(_:schedule:to:)``.
    public init(model: BertClassifier, options: EncoderTrainingOptions, task: TextTask, modelFolder: String, dataset: String,
                initializedTensors: [String], threads: Int, subspace: RunSpecification.Subspace? = nil,
                lora: RunSpecification.LoRA? = nil, loraMap: LoRAMap? = nil, provenance: RunProvenance) {
        self.model = model; self.options = options; self.task = task; self.modelFolder = modelFolder
        self.dataset = dataset; self.initializedTensors = initializedTensors; self.threads = threads; self.provenance = provenance
        self.subspace = subspace; self.lora = lora; self.loraMap = loraMap
    }

    /// `full`, `subspace` or `lora`.
    public var mode: String { lora != nil ? "lora" : subspace != nil ? "subspace" : "full" }

    /// The PEFT adapter of a LoRA run's θ_lora (factors A then B per target, then the saved
    /// tensors' offsets from θ⁰), written with the trained classifier as `modules_to_save`.
    public func adapter(_ theta: [Float], initialParameters: [Float]) -> LoRAAdapterWriter? {
        guard let map = loraMap, let lora else { return nil }
        var config = LoRAAdapterConfig.patterned(map.targets.map { .init(path: $0.module, rank: $0.rank, alpha: map.alpha(of: $0)) },
                                                 rank: map.rank, alpha: map.alpha)
        config.targetModules = .names(lora.targets)
        config.useRSLoRA = map.useRSLoRA
        config.initLoRAWeights = lora.initialization == .gaussian ? "gaussian" : "true"
        config.baseModelNameOrPath = modelFolder
        config.taskType = "SEQ_CLS"
        config.modulesToSave = RunSpecification.LoRA.sequenceClassificationSavedModules
        var writer = LoRAAdapterWriter(config: config, dtype: .f32)
        for t in map.targets {
            let r = t.rank
            let a = theta[t.loraOffset..<(t.loraOffset + r * t.cols)].map(Double.init)
            let b = theta[(t.loraOffset + r * t.cols)..<(t.loraOffset + r * (t.cols + t.rows))].map(Double.init)
            writer.add(module: t.module, kind: .linear, b: Matrix(rows: t.rows, cols: r, storage: b),
                       a: Matrix(rows: r, cols: t.cols, storage: a))
        }
        for t in map.savedTensors {
            // The saved tensor itself (θ⁰ + its offset), in Float32 as the merged model holds it.
            let values = (0..<t.count).map { Double(initialParameters[t.offset + $0] + theta[t.loraOffset + $0]) }
            writer.add(fullTensor: t.tensor, shape: t.shape, values: values)
        }
        return writer
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
        let test_limit: Int?
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
        let subspace: RunSpecification.Subspace?
        let projection: ProjectionDescriptor?
        let lora: RunSpecification.LoRA?
        let lora_modules: [String]?
        let saved_tensors: [String]?
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
            mode: mode, model_folder: modelFolder, model_type: model.configuration.modelType, options: options, threads: threads,
            optimizer: "AdamW (torch.optim.AdamW), linear warm-up then linear decay to 0 (get_linear_schedule_with_warmup)",
            weight_decay_excludes: mode == "full" ? "tensors named *.bias and *LayerNorm* (transformers Trainer)"
                : mode == "subspace" ? "SAID's per-tensor scales λ (θ′ is decayed)" : "the saved tensors named *.bias (the LoRA factors and classifier.weight are decayed)",
            schedule: schedule,
            dataset: DatasetSummary(name: dataset, train_file: task.train.path, test_file: task.test.path, text_column: c.text,
                                    text_pair_column: c.textPair, label_column: c.label, train_examples: task.train.count,
                                    test_examples: task.test.count, train_limit: task.trainLimit, test_limit: task.testLimit, max_length: options.maxLength,
                                    train_label_counts: task.labelCounts(task.train), test_label_counts: task.labelCounts(task.test)),
            num_labels: task.labels.count,
            id2label: Dictionary(uniqueKeysWithValues: task.labels.enumerated().map { (String($0.offset), $0.element) }),
            initialized_tensors: initializedTensors, subspace: subspace, projection: subspace?.descriptor(for: model.layout),
            lora: lora, lora_modules: loraMap?.targets.map(\.module), saved_tensors: loraMap?.savedTensors.map(\.tensor),
            full_dimension: model.layout.count, trainable_parameters: result.trainableParameters?.count ?? model.layout.count,
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
    ///
    /// `initialParameters` (θ⁰) gives a LoRA adapter its saved tensors' values.
    public func write(_ result: EncoderTrainingResult, initialParameters: [Float], schedule: LinearWarmupSchedule, to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try writeMetrics(result.epochs, to: directory)
        try AtomicFile.write(text: Self.predictionsCSV(logits: result.testLogits, predictions: result.testPredictions,
                                                       labels: task.test.labelIDs, classCount: model.classCount),
                             to: path("predictions.csv"))
        try model.save(parameters: result.parameters, to: directory)
        if let theta = result.trainableParameters {
            if let writer = adapter(theta, initialParameters: initialParameters) {
                try writer.write(to: path("adapter"))
            } else if let subspace {
                try AtomicFile.write(NPYWriter.serialize(float32: theta, shape: [theta.count]), to: path("theta_d.npy"))
                try AtomicFile.write(text: try JSONReport.encode(subspace.descriptor(for: model.layout)), to: path("projection.json"))
            }
        }
        try AtomicFile.write(text: try json(result: result, schedule: schedule), to: path("run.json"))
    }
}
