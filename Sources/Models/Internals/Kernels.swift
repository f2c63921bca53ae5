/// Element-wise kernels of the models, in a fixed summation order so that
/// results do not depend on the thread count.
enum Kernels {
    /// out[j] = Σ_i a[i, j] over a rows×cols row-major matrix.
    static func columnSums(_ a: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        for j in 0..<cols { out[j] = 0 }
        for i in 0..<rows {
            let row = a + i * cols
            for j in 0..<cols { out[j] += row[j] }
        }
    }

    /// y = max(y, 0) in place.
    static func relu(_ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = max(y[i], 0) }
    }

    /// dy ← dy · [y > 0] in place, where y is the ReLU's output (ReLU'(0) = 0).
    static func reluBackward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count where !(y[i] > 0) { dy[i] = 0 }
    }
}
