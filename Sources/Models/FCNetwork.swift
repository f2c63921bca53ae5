/// The fully connected network of Li et al. (2018): in → 200 → 200 →
/// classes, ReLU between layers. Tensors `fc1`, `fc2`, `fc3` (`.weight`
/// out×in, `.bias`); on MNIST D = 199,210.
public struct FCNetwork: Model {
    public var kind: ModelKind { .fc }
    public let layout: ParameterLayout
    public let inputFeatures: Int
    public let classCount: Int
    let layers: [DenseLayer]

    /// Layers of widths `inputFeatures → hidden… → classes`.
    public init(inputFeatures: Int, hidden: [Int], classes: Int) {
        precondition(inputFeatures > 0 && classes > 0 && hidden.allSatisfy { $0 > 0 }, "FCNetwork: widths must be positive")
        let widths = [inputFeatures] + hidden + [classes]
        var tensors: [(String, [Int])] = []
        for l in 0..<(widths.count - 1) {
            tensors.append(("fc\(l + 1).weight", [widths[l + 1], widths[l]]))
            tensors.append(("fc\(l + 1).bias", [widths[l + 1]]))
        }
        let layout = ParameterLayout(tensors)
        self.layout = layout
        layers = (0..<(widths.count - 1)).map { l in
            DenseLayer(inputs: widths[l], outputs: widths[l + 1],
                       weight: layout.entries[2 * l].offset, bias: layout.entries[2 * l + 1].offset)
        }
        self.inputFeatures = inputFeatures
        classCount = classes
    }

    // Buffers: activation l (post-ReLU output of hidden layer l) at 2l, its gradient at 2l+1.
    public func makeWorkspace(batchCapacity: Int, threads: Int) -> ModelWorkspace {
        let hidden = layers.dropLast().map { $0.outputs * batchCapacity }
        return ModelWorkspace(batchCapacity: batchCapacity, classCount: classCount, threads: threads,
                              floatBuffers: hidden.flatMap { [$0, $0] })
    }

    public func evaluate(parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, gradient: UnsafeMutablePointer<Float>?, workspace ws: ModelWorkspace) -> BatchResult {
        precondition(n > 0 && n <= ws.batchCapacity, "FCNetwork: batch of \(n) exceeds the workspace's \(ws.batchCapacity)")
        let last = layers.count - 1
        func activation(_ l: Int) -> UnsafeMutablePointer<Float> { l == last ? ws.logitsPointer : ws.buffer(2 * l) }
        var x = inputs
        for l in 0...last {
            layers[l].forward(parameters, x: x, n: n, into: activation(l), threads: ws.threads)
            if l < last { Kernels.relu(activation(l), count: n * layers[l].outputs) }
            x = UnsafePointer(activation(l))
        }
        let r = SoftmaxCrossEntropy.evaluate(ws.logitsPointer, labels: labels, n: n, classes: classCount,
                                             scale: 1 / Float(n), dlogits: gradient == nil ? nil : ws.logitGradient)
        if let gradient {
            var dy = ws.logitGradient
            for l in stride(from: last, through: 0, by: -1) {
                let input = l == 0 ? inputs : UnsafePointer(activation(l - 1))
                let dx: UnsafeMutablePointer<Float>? = l == 0 ? nil : ws.buffer(2 * (l - 1) + 1)
                layers[l].backward(parameters, x: input, dy: dy, n: n, grad: gradient, dx: dx, threads: ws.threads,
                                   consumer: ws.weightGradientConsumer)
                if let dx {
                    Kernels.reluBackward(dx, output: activation(l - 1), count: n * layers[l].inputs)
                    dy = dx
                }
            }
        }
        return BatchResult(lossSum: r.lossSum, correct: r.correct, count: n)
    }
}
