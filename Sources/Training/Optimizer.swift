import Models
/// Which optimiser updates the trained parameters (θ_D in full training,
/// θ_d in subspace training), with its hyper-parameters.
public enum OptimizerKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// SGD with heavy-ball momentum, PyTorch's form: v ← μ·v + g; θ ← θ − lr·v.
    case sgd
    /// Adam (Kingma & Ba) with bias correction, PyTorch's form:
    /// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − lr·m̂/(√v̂ + ε).
    case adam
}

/// An optimiser's state over n parameters. Float32 parameters, Float32
/// state; a fixed element-wise update, so results do not depend on threads.
public struct Optimizer: Sendable {
    /// SGD or Adam.
    public let kind: OptimizerKind
    /// The step size lr.
    public let learningRate: Float
    /// SGD's μ.
    public let momentum: Float
    /// Adam's β₁.
    public let beta1: Float
    /// Adam's β₂.
    public let beta2: Float
    /// Adam's ε (added to √v̂).
    public let epsilon: Float
    private var first: [Float]
    private var second: [Float]
    private var steps = 0

    /// Zero state (moments) for `count` parameters.
    public init(kind: OptimizerKind, count: Int, learningRate: Float, momentum: Float = 0.9,
                beta1: Float = 0.9, beta2: Float = 0.99, epsilon: Float = 1e-8) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        first = [Float](repeating: 0, count: count)
        second = kind == .adam ? [Float](repeating: 0, count: count) : []
    }

    /// One update of `parameters` from `gradient` (same count as at init),
    /// element-wise, on up to `threads` threads (the result does not depend on it).
    public mutating func step(_ parameters: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                              threads: Int = 1) {
        precondition(parameters.count == first.count && g.count == first.count, "Optimizer: \(first.count) parameters expected")
        steps += 1
        let lr = learningRate
        switch kind {
        case .sgd:
            let mu = momentum
            first.withUnsafeMutableBufferPointer { v in
                nonisolated(unsafe) let (v, p) = (v, parameters)
                ParallelChunks.run(count: v.count, threads: threads) { _, range in
                    for i in range {
                        v[i] = mu * v[i] + g[i]
                        p[i] -= lr * v[i]
                    }
                }
            }
        case .adam:
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            let c1 = 1 - Float(Double(b1).pow(steps))
            let c2 = 1 - Float(Double(b2).pow(steps))
            let stepSize = lr / c1
            let c2root = c2.squareRoot()
            first.withUnsafeMutableBufferPointer { m in
                second.withUnsafeMutableBufferPointer { v in
                    nonisolated(unsafe) let (m, v, p) = (m, v, parameters)
                    ParallelChunks.run(count: m.count, threads: threads) { _, range in
                        for i in range {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() / c2root + eps)
                        }
                    }
                }
            }
        }
    }
}

private extension Double {
    func pow(_ n: Int) -> Double {
        var r = 1.0, b = self, e = n
        while e > 0 { if e & 1 == 1 { r *= b }; b *= b; e >>= 1 }
        return r
    }
}
