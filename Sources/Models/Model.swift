import Projections

/// A classifier with a hand-written forward and backward pass over one flat
/// Float32 parameter buffer θ_D laid out by ``layout``.
///
/// Inputs are a batch of n examples, n×``inputFeatures`` row-major (an
/// MNIST image flattened row-major, pixels/255); outputs are logits
/// n×``classCount``. The loss is the batch mean of softmax cross-entropy;
/// the L2 penalty on θ_D is the trainer's (see ``TrainingOptions/l2``).
public protocol Model: Sendable {
    /// Which architecture, for reports.
    var kind: ModelKind { get }
    /// Names, shapes and offsets of the tensors in θ_D (D = `layout.count`).
    var layout: ParameterLayout { get }
    /// Values per example.
    var inputFeatures: Int { get }
    /// Number of classes (outputs).
    var classCount: Int { get }

    /// Scratch memory for batches of up to `batchCapacity` examples; its
    /// matrix products run on up to `threads` threads (results do not depend on it).
    func makeWorkspace(batchCapacity: Int, threads: Int) -> ModelWorkspace

    /// The summed cross-entropy and number of correct predictions on a batch
    /// of `n` examples. When `gradient` is given (D values), writes
    /// ∂(mean cross-entropy)/∂θ_D into it, overwriting it. The logits stay in
    /// `workspace.logits` until the next call.
    ///
    /// - Precondition: `n ≤ workspace.batchCapacity`; labels in `0..<classCount`.
    func evaluate(parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                  count n: Int, gradient: UnsafeMutablePointer<Float>?, workspace: ModelWorkspace) -> BatchResult
}

/// What one forward pass over a batch gives, for every architecture (an encoder's
/// logits stay in its workspace: ``BertWorkspace/logits(count:)``).
public struct BatchResult: Sendable, Equatable {
    /// Σ over the batch of the cross-entropy (nats), accumulated in Float64; 0 for an
    /// encoder batch without labels.
    public var lossSum: Double
    /// Examples whose first argmax logit is the label; 0 without labels.
    public var correct: Int
    /// Batch size.
    public var count: Int

    /// A result from its three fields.
    public init(lossSum: Double, correct: Int, count: Int) {
        self.lossSum = lossSum
        self.correct = correct
        self.count = count
    }
}

extension Model {
    /// A single-threaded workspace.
    public func makeWorkspace(batchCapacity: Int) -> ModelWorkspace { makeWorkspace(batchCapacity: batchCapacity, threads: 1) }

    /// He-normal initial weights (N(0, 2/fan_in), fan_in = in·kh·kw, as
    /// Keras's `he_normal` without truncation, which Li et al.'s code used)
    /// and zero biases. Tensor t draws normal k of its element k from stream
    /// `(seed, initialization, group: t)`, so one tensor's values do not
    /// depend on the others'.
    public func initialParameters(seed: UInt64) -> [Float] {
        var theta = [Float](repeating: 0, count: layout.count)
        for (t, e) in layout.entries.enumerated() where !e.isBias {
            let stream = RandomStream(seed: seed, kind: .initialization, group: t)
            let std = (2.0 / Double(e.fanIn)).squareRoot()
            var normals = [Double](repeating: 0, count: e.count)
            normals.withUnsafeMutableBufferPointer { stream.fillNormals(from: 0, into: $0) }
            for k in 0..<e.count { theta[e.offset + k] = Float(normals[k] * std) }
        }
        return theta
    }
}
