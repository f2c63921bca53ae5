/// LeNet-5 as in Li et al. (2018) on 28×28×1 images: conv1 6@5×5 → ReLU →
/// max-pool 2 → conv2 16@5×5 → ReLU → max-pool 2 → flatten (PyTorch's
/// C,H,W order, 256 values) → fc1 120 → ReLU → fc2 84 → ReLU → fc3
/// classes. Convolutions are valid, stride 1. Tensors `conv1.weight`
/// (6×1×5×5), `conv1.bias`, `conv2.weight` (16×6×5×5), `conv2.bias`,
/// `fc1`…`fc3` (`.weight` out×in, `.bias`); D = 44,426 for 10 classes.
public struct LeNet5: Model {
    public var kind: ModelKind { .lenet }
    public let layout: ParameterLayout
    public var inputFeatures: Int { 784 }
    public let classCount: Int
    let conv1: Conv2DLayer
    let pool1: MaxPool2DLayer
    let conv2: Conv2DLayer
    let pool2: MaxPool2DLayer
    let fc: [DenseLayer]

    /// LeNet-5 with `classes` outputs (D = 44,426 for 10).
    public init(classes: Int = 10) {
        layout = ParameterLayout([
            ("conv1.weight", [6, 1, 5, 5]), ("conv1.bias", [6]),
            ("conv2.weight", [16, 6, 5, 5]), ("conv2.bias", [16]),
            ("fc1.weight", [120, 256]), ("fc1.bias", [120]),
            ("fc2.weight", [84, 120]), ("fc2.bias", [84]),
            ("fc3.weight", [classes, 84]), ("fc3.bias", [classes]),
        ])
        let o = layout.entries.map(\.offset)
        conv1 = Conv2DLayer(inChannels: 1, outChannels: 6, kernel: 5, inHeight: 28, inWidth: 28, weight: o[0], bias: o[1])
        pool1 = MaxPool2DLayer(channels: 6, inHeight: 24, inWidth: 24)
        conv2 = Conv2DLayer(inChannels: 6, outChannels: 16, kernel: 5, inHeight: 12, inWidth: 12, weight: o[2], bias: o[3])
        pool2 = MaxPool2DLayer(channels: 16, inHeight: 8, inWidth: 8)
        fc = [DenseLayer(inputs: 256, outputs: 120, weight: o[4], bias: o[5]),
              DenseLayer(inputs: 120, outputs: 84, weight: o[6], bias: o[7]),
              DenseLayer(inputs: 84, outputs: classes, weight: o[8], bias: o[9])]
        classCount = classes
    }

    // Float buffers (per example sizes × capacity), by index:
    private enum B: Int {
        case cols1, c1, p1, cols2, c2, p2, flat, h1, h2   // forward
        case dh2, dh1, dflat, dp2, dc2, dcols2, dp1, dc1  // backward
    }

    public func makeWorkspace(batchCapacity n: Int, threads: Int) -> ModelWorkspace {
        let sizes: [B: Int] = [
            .cols1: 576 * 25, .c1: 576 * 6, .p1: 144 * 6, .cols2: 64 * 150, .c2: 64 * 16, .p2: 256, .flat: 256,
            .h1: 120, .h2: 84, .dh2: 84, .dh1: 120, .dflat: 256, .dp2: 256, .dc2: 64 * 16, .dcols2: 64 * 150,
            .dp1: 144 * 6, .dc1: 576 * 6,
        ]
        let order: [B] = [.cols1, .c1, .p1, .cols2, .c2, .p2, .flat, .h1, .h2, .dh2, .dh1, .dflat, .dp2, .dc2, .dcols2, .dp1, .dc1]
        return ModelWorkspace(batchCapacity: n, classCount: classCount, threads: threads, floatBuffers: order.map { sizes[$0]! * n },
                              indexBuffers: [144 * 6 * n, 256 * n])
    }

    public func evaluate(parameters θ: UnsafePointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         count n: Int, gradient: UnsafeMutablePointer<Float>?, workspace ws: ModelWorkspace) -> BatchResult {
        precondition(n > 0 && n <= ws.batchCapacity, "LeNet5: batch of \(n) exceeds the workspace's \(ws.batchCapacity)")
        func b(_ x: B) -> UnsafeMutablePointer<Float> { ws.buffer(x.rawValue) }
        // Forward (NHWC; a 1-channel image is the same in NCHW and NHWC).
        conv1.forward(θ, x: inputs, n: n, cols: b(.cols1), into: b(.c1), threads: ws.threads)
        Kernels.relu(b(.c1), count: n * 576 * 6)
        pool1.forward(b(.c1), n: n, into: b(.p1), argmax: ws.indices(0))
        conv2.forward(θ, x: b(.p1), n: n, cols: b(.cols2), into: b(.c2), threads: ws.threads)
        Kernels.relu(b(.c2), count: n * 64 * 16)
        pool2.forward(b(.c2), n: n, into: b(.p2), argmax: ws.indices(1))
        Self.toPyTorchOrder(b(.p2), n: n, into: b(.flat))
        fc[0].forward(θ, x: b(.flat), n: n, into: b(.h1), threads: ws.threads)
        Kernels.relu(b(.h1), count: n * 120)
        fc[1].forward(θ, x: b(.h1), n: n, into: b(.h2), threads: ws.threads)
        Kernels.relu(b(.h2), count: n * 84)
        fc[2].forward(θ, x: b(.h2), n: n, into: ws.logitsPointer, threads: ws.threads)
        let r = SoftmaxCrossEntropy.evaluate(ws.logitsPointer, labels: labels, n: n, classes: classCount,
                                             scale: 1 / Float(n), dlogits: gradient == nil ? nil : ws.logitGradient)
        guard let g = gradient else { return BatchResult(lossSum: r.lossSum, correct: r.correct, count: n) }
        // Backward.
        fc[2].backward(θ, x: b(.h2), dy: ws.logitGradient, n: n, grad: g, dx: b(.dh2), threads: ws.threads, consumer: ws.weightGradientConsumer)
        Kernels.reluBackward(b(.dh2), output: b(.h2), count: n * 84)
        fc[1].backward(θ, x: b(.h1), dy: b(.dh2), n: n, grad: g, dx: b(.dh1), threads: ws.threads, consumer: ws.weightGradientConsumer)
        Kernels.reluBackward(b(.dh1), output: b(.h1), count: n * 120)
        fc[0].backward(θ, x: b(.flat), dy: b(.dh1), n: n, grad: g, dx: b(.dflat), threads: ws.threads, consumer: ws.weightGradientConsumer)
        Self.fromPyTorchOrder(b(.dflat), n: n, into: b(.dp2))
        pool2.backward(b(.dp2), argmax: ws.indices(1), n: n, into: b(.dc2))
        Kernels.reluBackward(b(.dc2), output: b(.c2), count: n * 64 * 16)
        conv2.backward(θ, cols: b(.cols2), dy: b(.dc2), n: n, grad: g, dcols: b(.dcols2), dx: b(.dp1), threads: ws.threads, consumer: ws.weightGradientConsumer)
        pool1.backward(b(.dp1), argmax: ws.indices(0), n: n, into: b(.dc1))
        Kernels.reluBackward(b(.dc1), output: b(.c1), count: n * 576 * 6)
        conv1.backward(θ, cols: b(.cols1), dy: b(.dc1), n: n, grad: g, dcols: b(.dcols2), dx: nil, threads: ws.threads, consumer: ws.weightGradientConsumer)
        return BatchResult(lossSum: r.lossSum, correct: r.correct, count: n)
    }

    /// NHWC 4×4×16 → PyTorch's flatten order c·16 + h·4 + w.
    private static func toPyTorchOrder(_ x: UnsafePointer<Float>, n: Int, into y: UnsafeMutablePointer<Float>) {
        for s in 0..<n {
            for p in 0..<16 { for c in 0..<16 { y[s * 256 + c * 16 + p] = x[s * 256 + p * 16 + c] } }
        }
    }

    private static func fromPyTorchOrder(_ y: UnsafePointer<Float>, n: Int, into x: UnsafeMutablePointer<Float>) {
        for s in 0..<n {
            for p in 0..<16 { for c in 0..<16 { x[s * 256 + p * 16 + c] = y[s * 256 + c * 16 + p] } }
        }
    }
}
