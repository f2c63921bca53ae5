import Foundation
import LinearAlgebra
import Models
import Projections
import Text

/// Fine-tuning of a ``Models/BertClassifier`` on a ``Text/TextTask`` with AdamW and a
/// linear warm-up/decay schedule, as transformers' `Trainer` does by default: in full, in a
/// random subspace (θ = θ⁰ + f(θ_d), e.g. SAID over every tensor) or with LoRA factors
/// (``TrainingMode``; one step is ``EncoderTrainingState/step(_:dropout:learningRate:)``).
///
/// Every example is encoded once by the tokenizer (truncated to
/// ``EncoderTrainingOptions/maxLength``). Epoch e visits the training examples in the order of
/// a Fisher–Yates shuffle from stream `(seed, shuffle, index: e)`, in batches of
/// ``EncoderTrainingOptions/batchSize`` (the last one smaller), each padded to its longest
/// encoding. Global step k (0-based) runs the model in training mode with the dropout masks of
/// `DropoutStream(seed: seed, step: k)`, then one ``AdamW`` update of the trained vector at
/// learning rate lr·``LinearWarmupSchedule/factor(step:)``(k). In full training weight decay
/// applies to every tensor except biases and LayerNorm weights (names ending in `.bias` or
/// containing `LayerNorm`), as transformers' `Trainer.get_decay_parameter_names`; see
/// ``EncoderTrainingState`` for the other modes. After each epoch the test set is
/// evaluated in eval mode (no dropout) in file order.
///
/// The model's kernels use a split fixed by the sizes (see ``Models/BertClassifier``), the
/// order and masks are counter-based, so a run is bit-identical for a given seed whatever
/// ``threads`` is.
public struct EncoderTrainer: Sendable {
    /// The model.
    public let model: BertClassifier
    /// θ before training, in ``Models/BertClassifier/layout`` order.
    public let initialParameters: [Float]
    /// The options.
    public let options: EncoderTrainingOptions
    /// What is trained.
    public let mode: TrainingMode
    /// Threads for the model's products and heads.
    public let threads: Int
    /// The encoded training examples, in file order.
    public let trainEncodings: [TokenEncoding]
    /// The training labels.
    public let trainLabels: [Int]
    /// The encoded test examples, in file order.
    public let testEncodings: [TokenEncoding]
    /// The test labels.
    public let testLabels: [Int]
    /// The tokenizer's padding id.
    public let paddingID: Int32

    /// A trainer of `model` from `parameters` on `task` encoded by `tokenizer`.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` for bad options, a task whose label
    ///   count differs from the model's, an empty training or test set, or a `maxLength` over
    ///   the model's `max_position_embeddings`; ``Models/ModelError`` (`invalidBatch`, naming the
    ///   file and line) for a token id outside the model's vocabulary.
    public init(model: BertClassifier, parameters: [Float], task: TextTask, tokenizer: BertTokenizer,
                options: EncoderTrainingOptions, mode: TrainingMode = .full, threads: Int = 1) throws {
        try options.validate()
        precondition(parameters.count == model.layout.count, "EncoderTrainer: \(parameters.count) parameters for \(model.layout.count)")
        if let f = mode.map, f.fullDimension != model.layout.count {
            throw TrainingError.invalidOption("d", "the subspace map is for D = \(f.fullDimension), the model has D = \(model.layout.count)")
        }
        guard task.labels.count == model.classCount else {
            throw TrainingError.invalidOption("model", "the model has \(model.classCount) labels, the task \(task.labels.count)")
        }
        guard options.maxLength <= model.configuration.maxPositions else {
            throw TrainingError.invalidOption("max-length", "\(options.maxLength) exceeds the model's max_position_embeddings \(model.configuration.maxPositions)")
        }
        guard task.train.count > 0 else { throw TrainingError.invalidOption("dataset", "\(task.train.path): no training examples") }
        guard task.test.count > 0 else { throw TrainingError.invalidOption("dataset", "\(task.test.path): no test examples") }
        self.model = model
        self.initialParameters = parameters
        self.options = options
        self.mode = mode
        self.threads = max(1, threads)
        trainEncodings = tokenizer.encode(task.train, maxLength: options.maxLength)
        testEncodings = tokenizer.encode(task.test, maxLength: options.maxLength)
        trainLabels = task.train.labelIDs
        testLabels = task.test.labelIDs
        paddingID = tokenizer.paddingID
        let vocabulary = Int32(model.configuration.vocabularySize)
        for (set, encodings) in [(task.train, trainEncodings), (task.test, testEncodings)] {
            for (i, e) in encodings.enumerated() {
                if let bad = e.inputIDs.first(where: { $0 >= vocabulary }) {
                    throw ModelError(.invalidBatch, path: set.path, "line \(set.examples[i].line): token id \(bad) outside the model's vocab_size \(vocabulary) (tokenizer and model disagree)")
                }
            }
        }
    }

    /// The number of optimiser steps of the run: epochs · ⌈n / batch⌉.
    public var totalSteps: Int {
        options.epochs * ((trainEncodings.count + options.batchSize - 1) / options.batchSize)
    }

    /// The learning-rate schedule of the run.
    public var schedule: LinearWarmupSchedule { LinearWarmupSchedule(totalSteps: totalSteps, warmupRatio: options.warmupRatio) }

    /// The element ranges of θ that receive weight decay: every tensor but biases and LayerNorm weights.
    public static func decayedRanges(_ layout: ParameterLayout) -> [Range<Int>] {
        layout.entries.filter { !$0.name.hasSuffix(".bias") && !$0.name.contains("LayerNorm") }.map(\.range)
    }

    /// The example order of `epoch` (1-based): a Fisher–Yates shuffle of 0..<n from stream `(seed, shuffle, index: epoch)`.
    public static func order(epoch: Int, count n: Int, seed: UInt64) -> [Int] {
        RandomStream(seed: seed, kind: .shuffle, index: epoch).permutation(count: n)
    }

    /// The examples `indices` of `encodings` as one batch padded to the longest.
    public static func batch(_ encodings: [TokenEncoding], labels: [Int], indices: some Collection<Int>,
                             paddingID: Int32) -> EncoderBatch {
        let padded = EncodedBatch(indices.map { encodings[$0] }, paddingID: paddingID)
        return EncoderBatch(count: padded.count, length: max(1, padded.sequenceLength), tokenIDs: padded.inputIDs,
                            tokenTypes: padded.tokenTypeIDs, attentionMask: padded.attentionMask,
                            labels: indices.map { Int32(labels[$0]) })
    }

    private var lengthCapacity: Int {
        max(1, (trainEncodings + testEncodings).map(\.count).max() ?? 1)
    }

    /// Test loss, predictions and logits of `parameters` in eval mode (no dropout), in file order.
    public func evaluate(_ parameters: [Float], workspace: BertWorkspace? = nil) -> (loss: Double, logits: [Float], predictions: [Int]) {
        BLASThreads.set(1)
        let ws = workspace ?? model.makeWorkspace(batchCapacity: options.batchSize, lengthCapacity: lengthCapacity, threads: threads)
        let c = model.classCount
        var lossSum = 0.0
        var logits: [Float] = []
        logits.reserveCapacity(testEncodings.count * c)
        var start = 0
        while start < testEncodings.count {
            let end = min(testEncodings.count, start + options.batchSize)
            let b = Self.batch(testEncodings, labels: testLabels, indices: start..<end, paddingID: paddingID)
            let r = parameters.withUnsafeBufferPointer {
                model.evaluate(parameters: $0.baseAddress!, batch: b, dropout: nil, gradient: nil, workspace: ws)
            }
            lossSum += r.lossSum
            logits += ws.logits(count: b.count)
            start = end
        }
        let predictions = (0..<testEncodings.count).map { i -> Int in
            var best = 0
            for j in 1..<max(1, c) where logits[i * c + j] > logits[i * c + best] { best = j }
            return best
        }
        return (lossSum / Double(testEncodings.count), logits, predictions)
    }

    /// Trains for ``EncoderTrainingOptions/epochs`` epochs, calling `onEpoch` after each.
    /// Stops early (status ``RunStatus/diverged``) at the first non-finite training loss.
    ///
    /// - Parameters:
    ///   - snapshot: continue after its last epoch (``EncoderTrainingSnapshot``): the result is
    ///     bit-identical to the run that never stopped. Its `seconds` continue from its last record.
    ///   - onEpoch: called after each epoch with its record and a function that makes the
    ///     snapshot of that moment (call it to save one; it copies the trained vector and moments).
    /// - Precondition: a snapshot's vectors fit this run's mode and its last epoch is below ``EncoderTrainingOptions/epochs``.
    public func run(resumingFrom snapshot: EncoderTrainingSnapshot? = nil,
                    onEpoch: (EncoderEpochRecord, () -> EncoderTrainingSnapshot) throws -> Void) rethrows -> EncoderTrainingResult {
        BLASThreads.set(1)
        let state = EncoderTrainingState(model: model, mode: mode, initialParameters: initialParameters, options: options,
                                         batchCapacity: options.batchSize, lengthCapacity: lengthCapacity, threads: threads)
        let ws = state.workspace
        let schedule = self.schedule
        var records: [EncoderEpochRecord] = []
        var step = 0
        var firstEpoch = 1
        var earlier = 0.0
        if let snapshot {
            precondition(snapshot.epoch < options.epochs, "EncoderTrainer.run: the snapshot ends at epoch \(snapshot.epoch) of \(options.epochs)")
            state.restore(snapshot)
            records = snapshot.records
            step = snapshot.optimizerStep
            firstEpoch = snapshot.epoch + 1
            earlier = snapshot.records.last!.seconds
        }
        let started = Date().addingTimeInterval(-earlier)
        var status = RunStatus.ok
        var divergence: String?
        var last = (loss: 0.0, logits: [Float](), predictions: [Int]())
        epochs: for epoch in firstEpoch...options.epochs {
            let order = Self.order(epoch: epoch, count: trainEncodings.count, seed: options.seed)
            var lossSum = 0.0, correct = 0, seen = 0
            var lr = 0.0
            var start = 0
            while start < order.count {
                let end = min(order.count, start + options.batchSize)
                let b = Self.batch(trainEncodings, labels: trainLabels, indices: order[start..<end], paddingID: paddingID)
                lr = Double(options.learningRate) * schedule.factor(step: step)
                let outcome = state.step(b, dropout: DropoutStream(seed: options.seed, step: step), learningRate: Float(lr))
                guard case let .ok(r) = outcome else {
                    if case let .nonFinite(why) = outcome { divergence = "epoch \(epoch), step \(step): \(why)" }
                    status = .diverged
                    break epochs
                }
                lossSum += r.lossSum; correct += r.correct; seen += r.count
                step += 1
                start = end
            }
            last = evaluate(state.parameters, workspace: ws)
            let record = EncoderEpochRecord(
                epoch: epoch, step: step, trainLoss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                testLoss: last.loss, testAccuracy: ClassificationMetrics.accuracy(predictions: last.predictions, labels: testLabels),
                testMacroF1: ClassificationMetrics.macroF1(predictions: last.predictions, labels: testLabels, classCount: model.classCount),
                learningRate: lr, seconds: Date().timeIntervalSince(started))
            records.append(record)
            let finished = records
            try onEpoch(record) { state.snapshot(records: finished) }
        }
        if status == .diverged { last = evaluate(state.parameters, workspace: ws) }
        return EncoderTrainingResult(epochs: records, parameters: state.parameters,
                                     trainableParameters: state.trainableParameters.isEmpty ? nil : state.trainableParameters,
                                     status: status, divergence: divergence,
                                     steps: step, testLogits: last.logits, testPredictions: last.predictions)
    }

    /// ``run(resumingFrom:onEpoch:)`` from the start, `onEpoch` taking only the record.
    public func run(onEpoch: (EncoderEpochRecord) throws -> Void = { _ in }) rethrows -> EncoderTrainingResult {
        try run(resumingFrom: nil) { record, _ in try onEpoch(record) }
    }
}
