import Models
import Dispatch
import CheckpointIO
import LinearAlgebra
import Projections

/// Trains a ``Model`` on a dataset, fully or in a random subspace.
///
/// Each epoch visits the training set in a Fisher–Yates order drawn from
/// stream `(seed, shuffle, index: epoch)`, in batches of
/// ``TrainingOptions/batchSize``; the loss is the batch-mean cross-entropy
/// plus (λ/2)·‖θ_D‖². At every epoch's end the whole test set is evaluated.
/// A non-finite loss or gradient stops the run as ``RunStatus/diverged``.
/// Results are bit-identical for any ``threads`` and projection thread
/// count: matrix products run in fixed row blocks (see
/// ``LinearAlgebra/GEMM/multiply(m:n:k:alpha:_:lda:transposeA:_:ldb:transposeB:beta:into:ldc:threads:)``),
/// so ``run(mode:initialParameters:onEpoch:)`` sets OpenBLAS to one thread.
public struct Trainer: Sendable {
    /// The model trained (its layout defines θ_D).
    public let model: any Model
    /// The training set, visited in a seeded order each epoch.
    public let train: Dataset
    /// The test set, evaluated whole at every epoch's end.
    public let test: Dataset
    /// The hyper-parameters (validated at initialisation).
    public let options: TrainingOptions
    /// Threads of the model's matrix products.
    public let threads: Int

    /// - Throws: ``TrainingError`` when the options are invalid or the data
    ///   do not fit the model (features, labels).
    public init(model: any Model, train: Dataset, test: Dataset, options: TrainingOptions, threads: Int = 1) throws(TrainingError) {
        try options.validate()
        for set in [train, test] {
            guard set.features == model.inputFeatures else {
                throw .invalidOption("dataset", "\(set.name) has \(set.features) values per example; the \(model.kind.rawValue) model takes \(model.inputFeatures)")
            }
            guard set.count > 0 else { throw .invalidOption("dataset", "\(set.name) holds no examples") }
            guard set.classCount <= model.classCount else {
                throw .invalidOption("dataset", "\(set.name) has label \(set.classCount - 1), outside the model's \(model.classCount) classes")
            }
        }
        self.model = model
        self.train = train
        self.test = test
        self.options = options
        self.threads = max(1, threads)
    }

    /// Mean cross-entropy and accuracy of θ_D on `data`.
    public func evaluate(parameters: [Float], on data: Dataset) -> (loss: Double, accuracy: Double) {
        BLASThreads.set(1)
        let ws = model.makeWorkspace(batchCapacity: min(options.evaluationBatch, data.count), threads: threads)
        return parameters.withUnsafeBufferPointer { evaluate($0.baseAddress!, on: data, workspace: ws) }
    }

    func evaluate(_ theta: UnsafePointer<Float>, on data: Dataset, workspace ws: ModelWorkspace) -> (loss: Double, accuracy: Double) {
        var loss = 0.0, correct = 0
        data.inputs.withUnsafeBufferPointer { x in
            data.labels.withUnsafeBufferPointer { y in
                var start = 0
                while start < data.count {
                    let n = min(ws.batchCapacity, data.count - start)
                    let r = model.evaluate(parameters: theta, inputs: x.baseAddress! + start * data.features,
                                           labels: y.baseAddress! + start, count: n, gradient: nil, workspace: ws)
                    loss += r.lossSum
                    correct += r.correct
                    start += n
                }
            }
        }
        return (loss / Double(data.count), Double(correct) / Double(data.count))
    }

    /// The example order of `epoch` (1-based): a Fisher–Yates shuffle of
    /// 0..<n from stream `(seed, shuffle, index: epoch)`.
    public static func order(count n: Int, seed: UInt64, epoch: Int) -> [Int] {
        RandomStream(seed: seed, kind: .shuffle, index: epoch).permutation(count: n)
    }

    /// Runs ``TrainingOptions/epochs`` epochs.
    ///
    /// - Parameters:
    ///   - mode: full, subspace or LoRA training.
    ///   - initialParameters: θ_D⁰ (D values); `nil` draws He-normal weights
    ///     from the run's seed.
    ///   - onEpoch: called after each epoch with its record; whatever it
    ///     throws stops the run and is rethrown.
    public func run(mode: TrainingMode, initialParameters: [Float]? = nil,
                    onEpoch: (EpochRecord) throws -> Void = { _ in }) throws -> TrainingResult {
        let D = model.layout.count
        let theta0 = initialParameters ?? model.initialParameters(seed: options.seed)
        precondition(theta0.count == D, "Trainer: θ_D⁰ has \(theta0.count) values, the model \(D)")
        if let f = mode.map, f.fullDimension != D {
            throw TrainingError.invalidOption("d", "the subspace map is for D = \(f.fullDimension), the model has D = \(D)")
        }
        BLASThreads.set(1)
        let batch = min(options.batchSize, train.count)
        let state = TrainingState(model: model, mode: mode, initialParameters: theta0, options: options,
                                  batchCapacity: batch, threads: threads)
        let evalWS = model.makeWorkspace(batchCapacity: min(options.evaluationBatch, test.count), threads: threads)
        var xb = [Float](repeating: 0, count: batch * train.features)
        var yb = [Int32](repeating: 0, count: batch)
        let features = train.features
        var records: [EpochRecord] = []
        let start = DispatchTime.now().uptimeNanoseconds
        func finish(_ status: RunStatus, _ why: String?) -> TrainingResult {
            TrainingResult(status: status, divergence: why, parameters: state.parameters,
                           subspaceParameters: state.map == nil ? nil : state.subspaceParameters, epochs: records)
        }
        for epoch in 1...options.epochs {
            let order = Self.order(count: train.count, seed: options.seed, epoch: epoch)
            var lossSum = 0.0, correct = 0
            var first = 0
            while first < train.count {
                let n = min(batch, train.count - first)
                train.inputs.withUnsafeBufferPointer { x in
                    xb.withUnsafeMutableBufferPointer { dst in
                        for k in 0..<n {
                            (dst.baseAddress! + k * features).update(from: x.baseAddress! + order[first + k] * features, count: features)
                            yb[k] = train.labels[order[first + k]]
                        }
                    }
                }
                let outcome = xb.withUnsafeBufferPointer { x in
                    yb.withUnsafeBufferPointer { y in state.step(inputs: x.baseAddress!, labels: y.baseAddress!, count: n) }
                }
                switch outcome {
                case .ok(let r):
                    lossSum += r.lossSum
                    correct += r.correct
                case .nonFinite(let why):
                    return finish(.diverged, "epoch \(epoch), step \(state.steps): \(why)")
                }
                first += n
            }
            let (testLoss, testAccuracy) = state.parameters.withUnsafeBufferPointer { evaluate($0.baseAddress!, on: test, workspace: evalWS) }
            guard testLoss.isFinite else { return finish(.diverged, "epoch \(epoch): test loss is \(testLoss)") }
            let record = EpochRecord(epoch: epoch, step: state.steps, trainLoss: lossSum / Double(train.count),
                                     trainAccuracy: Double(correct) / Double(train.count), testLoss: testLoss,
                                     testAccuracy: testAccuracy,
                                     seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            records.append(record)
            try onEpoch(record)
        }
        return finish(.ok, nil)
    }
}
