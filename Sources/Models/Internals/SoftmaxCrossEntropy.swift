import Foundation

/// Softmax cross-entropy over logits (n×classes, row-major), computed with
/// log-sum-exp: CEᵢ = log Σⱼ exp(zᵢⱼ − mᵢ) + mᵢ − zᵢ,yᵢ with mᵢ = maxⱼ zᵢⱼ.
enum SoftmaxCrossEntropy {
    /// The summed loss (Float64 accumulation) and the number of rows whose
    /// first argmax equals the label. When `dlogits` is given, writes
    /// ∂(Σᵢ CEᵢ · scale)/∂z = (softmax(z) − onehot(y)) · scale into it.
    static func evaluate(_ z: UnsafePointer<Float>, labels: UnsafePointer<Int32>, n: Int, classes: Int,
                         scale: Float, dlogits: UnsafeMutablePointer<Float>?) -> (lossSum: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        for i in 0..<n {
            let row = z + i * classes
            var m = row[0], arg = 0
            for j in 1..<classes where row[j] > m { m = row[j]; arg = j }
            var s: Float = 0
            for j in 0..<classes { s += expf(row[j] - m) }
            let y = Int(labels[i])
            let lse = logf(s) + m
            total += Double(lse - row[y])
            if arg == y { correct += 1 }
            if let dlogits {
                let g = dlogits + i * classes
                let inv = 1 / s
                for j in 0..<classes { g[j] = expf(row[j] - m) * inv * scale }
                g[y] -= scale
            }
        }
        return (total, correct)
    }
}
