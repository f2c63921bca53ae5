/// 2×2 max-pooling with stride 2 on NHWC activations (odd trailing rows or
/// columns are dropped, as PyTorch's `MaxPool2d(2)` does). The gradient goes
/// to the first maximum of each window in row-major order.
struct MaxPool2DLayer: Sendable {
    let channels: Int
    let inHeight: Int
    let inWidth: Int

    var outHeight: Int { inHeight / 2 }
    var outWidth: Int { inWidth / 2 }

    /// y (n×oh×ow×c) and, per output, the input index of its maximum.
    func forward(_ x: UnsafePointer<Float>, n: Int, into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
        let (c, w, oh, ow) = (channels, inWidth, outHeight, outWidth)
        for b in 0..<n {
            let base = b * inHeight * w * c
            for i in 0..<oh {
                for j in 0..<ow {
                    let out = ((b * oh + i) * ow + j) * c
                    for ch in 0..<c {
                        let a = base + ((2 * i) * w + 2 * j) * c + ch
                        var best = a
                        if x[a + c] > x[best] { best = a + c }
                        if x[a + w * c] > x[best] { best = a + w * c }
                        if x[a + w * c + c] > x[best] { best = a + w * c + c }
                        y[out + ch] = x[best]
                        argmax[out + ch] = Int32(best)
                    }
                }
            }
        }
    }

    /// dx (n×h×w×c, overwritten): each dy routed to its window's maximum.
    func backward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, n: Int, into dx: UnsafeMutablePointer<Float>) {
        for i in 0..<(n * inHeight * inWidth * channels) { dx[i] = 0 }
        for k in 0..<(n * outHeight * outWidth * channels) { dx[Int(argmax[k])] += dy[k] }
    }
}
