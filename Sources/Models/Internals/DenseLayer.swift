import LinearAlgebra

/// A fully connected layer y = x·Wᵀ + b on a batch, W out×in (PyTorch
/// layout) at `weight` in θ_D and b at `bias`. Inputs n×in, outputs n×out,
/// row-major.
struct DenseLayer: Sendable {
    let inputs: Int
    let outputs: Int
    let weight: Int
    let bias: Int

    func forward(_ theta: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int, into y: UnsafeMutablePointer<Float>, threads: Int) {
        GEMM.multiply(m: n, n: outputs, k: inputs, x, lda: inputs, theta + weight, ldb: inputs, transposeB: true,
                      into: y, ldc: outputs, threads: threads)
        let b = theta + bias
        for i in 0..<n {
            let row = y + i * outputs
            for j in 0..<outputs { row[j] += b[j] }
        }
    }

    /// Writes ∂/∂W (or hands x and dy to `consumer`, see ``WeightGradientConsumer``) and ∂/∂b into
    /// `grad` (overwriting) and, when `dx` is given, ∂/∂x (n×in).
    func backward(_ theta: UnsafePointer<Float>, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, n: Int,
                  grad: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, threads: Int,
                  consumer: (any WeightGradientConsumer)? = nil) {
        if let consumer, consumer.consumes(weightAt: weight) {
            consumer.consume(weightAt: weight, inputs: x, outputGradient: dy, rows: n)
        } else {
            GEMM.multiply(m: outputs, n: inputs, k: n, dy, lda: outputs, transposeA: true, x, ldb: inputs,
                          into: grad + weight, ldc: inputs, threads: threads)
        }
        Kernels.columnSums(dy, rows: n, cols: outputs, into: grad + bias)
        if let dx {
            GEMM.multiply(m: n, n: inputs, k: outputs, dy, lda: outputs, theta + weight, ldb: inputs,
                          into: dx, ldc: inputs, threads: threads)
        }
    }
}
