import LinearAlgebra

/// A valid (no padding), stride-1 convolution as PyTorch computes it
/// (cross-correlation), through im2col + GEMM.
///
/// Activations are NHWC inside the models (n×h×w×c row-major), so im2col
/// rows are output positions and the GEMM output is NHWC again. Each im2col
/// row holds one patch ordered (c, kh, kw), matching the flattened PyTorch
/// weight W (out × in·kh·kw): y[pos, o] = Σ_k cols[pos, k]·W[o, k] + b[o].
struct Conv2DLayer: Sendable {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let inHeight: Int
    let inWidth: Int
    let weight: Int
    let bias: Int

    var outHeight: Int { inHeight - kernel + 1 }
    var outWidth: Int { inWidth - kernel + 1 }
    /// in·kh·kw, the length of one patch.
    var patch: Int { inChannels * kernel * kernel }
    /// Output positions per example.
    var positions: Int { outHeight * outWidth }

    /// cols (n·positions × patch) from x (NHWC).
    func im2col(_ x: UnsafePointer<Float>, n: Int, into cols: UnsafeMutablePointer<Float>) {
        let (h, w, c, k, oh, ow) = (inHeight, inWidth, inChannels, kernel, outHeight, outWidth)
        for b in 0..<n {
            let xb = x + b * h * w * c
            for i in 0..<oh {
                for j in 0..<ow {
                    let row = cols + ((b * oh + i) * ow + j) * patch
                    for ch in 0..<c {
                        for p in 0..<k {
                            let src = xb + ((i + p) * w + j) * c + ch
                            let dst = row + (ch * k + p) * k
                            for q in 0..<k { dst[q] = src[q * c] }
                        }
                    }
                }
            }
        }
    }

    /// dx (NHWC, overwritten) from dcols, the adjoint of ``im2col(_:n:into:)``.
    func col2im(_ dcols: UnsafePointer<Float>, n: Int, into dx: UnsafeMutablePointer<Float>) {
        let (h, w, c, k, oh, ow) = (inHeight, inWidth, inChannels, kernel, outHeight, outWidth)
        for i in 0..<(n * h * w * c) { dx[i] = 0 }
        for b in 0..<n {
            let xb = dx + b * h * w * c
            for i in 0..<oh {
                for j in 0..<ow {
                    let row = dcols + ((b * oh + i) * ow + j) * patch
                    for ch in 0..<c {
                        for p in 0..<k {
                            let dst = xb + ((i + p) * w + j) * c + ch
                            let src = row + (ch * k + p) * k
                            for q in 0..<k { dst[q * c] += src[q] }
                        }
                    }
                }
            }
        }
    }

    /// y (NHWC n×oh×ow×out) from x; `cols` keeps the patches for backward.
    func forward(_ theta: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int,
                 cols: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int) {
        im2col(x, n: n, into: cols)
        let rows = n * positions
        GEMM.multiply(m: rows, n: outChannels, k: patch, UnsafePointer(cols), lda: patch,
                      theta + weight, ldb: patch, transposeB: true, into: y, ldc: outChannels, threads: threads)
        let b = theta + bias
        for r in 0..<rows {
            let row = y + r * outChannels
            for o in 0..<outChannels { row[o] += b[o] }
        }
    }

    /// ∂/∂W, ∂/∂b into `grad` (overwriting); ∂/∂x (NHWC) into `dx` when
    /// given, using `dcols` (n·positions × patch) as scratch.
    func backward(_ theta: UnsafePointer<Float>, cols: UnsafePointer<Float>, dy: UnsafePointer<Float>, n: Int,
                  grad: UnsafeMutablePointer<Float>, dcols: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                  threads: Int, consumer: (any WeightGradientConsumer)? = nil) {
        let rows = n * positions
        if let consumer, consumer.consumes(weightAt: weight) {
            consumer.consume(weightAt: weight, inputs: cols, outputGradient: dy, rows: rows)
        } else {
            GEMM.multiply(m: outChannels, n: patch, k: rows, dy, lda: outChannels, transposeA: true,
                          cols, ldb: patch, into: grad + weight, ldc: patch, threads: threads)
        }
        Kernels.columnSums(dy, rows: rows, cols: outChannels, into: grad + bias)
        if let dx {
            GEMM.multiply(m: rows, n: patch, k: outChannels, dy, lda: outChannels, theta + weight, ldb: patch,
                          into: dcols, ldc: patch, threads: threads)
            col2im(dcols, n: n, into: dx)
        }
    }
}
