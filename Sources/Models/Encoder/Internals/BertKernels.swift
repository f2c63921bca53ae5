import Foundation
import LinearAlgebra

/// Row-wise kernels of the encoder (LayerNorm, activations, dropout, bias
/// sums) on raw row-major buffers. Work is cut into a number of parts that
/// depends on the sizes alone (never on the thread count), each part
/// computed the same way on any thread, and partial sums are merged in part
/// order, so results are bit-identical for every thread count.
enum BertKernels {
    /// The most parts a loop is cut into.
    static let maxParts = 8

    /// Parts for `rows` rows of `width` values: one for small work.
    static func parts(rows: Int, width: Int) -> Int {
        rows * width >= 1 << 14 ? min(maxParts, rows) : 1
    }

    /// Calls `body(part, rows)` for every part of a fixed split of `0..<rows`
    /// into `parts` ranges, on up to `threads` threads.
    static func forParts(_ parts: Int, rows: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        func range(_ p: Int) -> Range<Int> { (rows * p / parts)..<(rows * (p + 1) / parts) }
        let workers = min(max(1, threads), parts)
        if workers <= 1 {
            for p in 0..<parts { body(p, range(p)) }
            return
        }
        nonisolated(unsafe) let work = body
        HotWorkers.run(parts: workers) { w in
            var p = w
            while p < parts { work(p, range(p)); p += workers }
        }
    }

    /// Calls `body(item)` for each of `count` independent items on up to
    /// `threads` threads; `worker` (second argument) is in `0..<maxParts` and
    /// names the scratch the item may use.
    static func forItems(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let workers = min(max(1, threads), count, maxParts)
        if workers <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        nonisolated(unsafe) let work = body
        HotWorkers.run(parts: workers) { w in
            var i = w
            while i < count { work(i, w); i += workers }
        }
    }

    /// Copies the bias (width values) into every one of `rows` rows of `y`.
    static func fillRows(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows { (y + r * width).update(from: bias, count: width) }
    }

    /// LayerNorm over rows: xhat = (x − mean)·rstd, rstd = 1/√(var + ε)
    /// (biased variance, two passes, in Float32 as PyTorch), out = xhat·γ + β.
    static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width h: Int, gamma: UnsafePointer<Float>,
                          beta: UnsafePointer<Float>, epsilon: Float, out: UnsafeMutablePointer<Float>,
                          xhat: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, threads: Int) {
        forParts(parts(rows: rows, width: h), rows: rows, threads: threads) { _, range in
            for r in range {
                let xr = x + r * h, xo = xhat + r * h, o = out + r * h
                let mean = sum(h, { j in load(xr + j) }, scalar: { j in xr[j] }) / Float(h)
                let variance = sum(h, { j in let d = load(xr + j) - mean; return d * d },
                                   scalar: { j in let d = xr[j] - mean; return d * d }) / Float(h)
                let s = 1 / (variance + epsilon).squareRoot()
                rstd[r] = s
                for j in 0..<h {
                    let v = (xr[j] - mean) * s
                    xo[j] = v
                    o[j] = v * gamma[j] + beta[j]
                }
            }
        }
    }

    /// Eight lanes at `p` (`p[0..<8]`).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> FastMath.V { UnsafeRawPointer(p).loadUnaligned(as: FastMath.V.self) }

    /// Σ over j < n of `term`: eight running sums of `term(j)` (the lanes
    /// j…j+7) for j = 0, 8, 16, …, added at the end, then the tail (n mod 8)
    /// one by one through `scalar(j)` (a fixed order: a row's sum never depends on threads).
    @inline(__always)
    static func sum(_ n: Int, _ term: (Int) -> FastMath.V, scalar: (Int) -> Float) -> Float {
        var acc = FastMath.V()
        var j = 0
        while j + 8 <= n { acc += term(j); j += 8 }
        var total = acc.sum()
        while j < n { total += scalar(j); j += 1 }
        return total
    }

    /// LayerNorm backward: dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)) with
    /// dxhat = dout·γ; dγ = Σ_rows dout·xhat, dβ = Σ_rows dout (overwritten, when given).
    /// `scratch` holds 2·maxParts·width floats.
    static func layerNormBackward(_ dout: UnsafePointer<Float>, xhat: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                  gamma: UnsafePointer<Float>, rows: Int, width h: Int, dx: UnsafeMutablePointer<Float>,
                                  dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?,
                                  scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let parts = parts(rows: rows, width: h)
        scratch.initialize(repeating: 0, count: 2 * parts * h)
        forParts(parts, rows: rows, threads: threads) { p, range in
            let pg = scratch + 2 * p * h, pb = pg + h
            for r in range {
                let d = dout + r * h, xr = xhat + r * h, o = dx + r * h
                for j in 0..<h {
                    pg[j] += d[j] * xr[j]
                    pb[j] += d[j]
                }
                let m1 = sum(h, { j in load(d + j) * load(gamma + j) }, scalar: { j in d[j] * gamma[j] }) / Float(h)
                let m2 = sum(h, { j in load(d + j) * load(gamma + j) * load(xr + j) },
                             scalar: { j in d[j] * gamma[j] * xr[j] }) / Float(h)
                let s = rstd[r]
                for j in 0..<h { o[j] = s * (d[j] * gamma[j] - m1 - xr[j] * m2) }
            }
        }
        if let dgamma, let dbeta {
            dgamma.update(from: scratch, count: h)
            dbeta.update(from: scratch + h, count: h)
            for p in 1..<max(parts, 1) {
                let pg = scratch + 2 * p * h, pb = pg + h
                for j in 0..<h { dgamma[j] += pg[j]; dbeta[j] += pb[j] }
            }
        }
    }

    /// db[j] = Σ_rows dy[r, j] (overwritten). `scratch` holds maxParts·width floats.
    static func columnSums(_ dy: UnsafePointer<Float>, rows: Int, width w: Int, into db: UnsafeMutablePointer<Float>,
                           scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let parts = parts(rows: rows, width: w)
        scratch.initialize(repeating: 0, count: parts * w)
        forParts(parts, rows: rows, threads: threads) { p, range in
            let acc = scratch + p * w
            for r in range {
                let d = dy + r * w
                for j in 0..<w { acc[j] += d[j] }
            }
        }
        db.update(from: scratch, count: w)
        for p in 1..<max(parts, 1) {
            let acc = scratch + p * w
            for j in 0..<w { db[j] += acc[j] }
        }
    }

    /// out = x ⊙ mask / (1 − p) over `count` values (out may be x).
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafePointer<UInt8>, count: Int, probability p: Double,
                        out: UnsafeMutablePointer<Float>) {
        let scale = Float(1 / (1 - p))
        for k in 0..<count { out[k] = mask[k] != 0 ? x[k] * scale : 0 }
    }

    /// Fills `mask` with the keep bits of elements 0..<count of `site`, split over threads
    /// (the bits are a function of the element index alone).
    static func fillMask(_ stream: DropoutStream, site: Int, probability: Double, count: Int,
                         mask: UnsafeMutablePointer<UInt8>, threads: Int) {
        let parts = count >= 1 << 15 ? maxParts : 1
        forParts(parts, rows: count, threads: threads) { _, range in
            stream.fillMask(site: site, probability: probability, from: range.lowerBound,
                            into: UnsafeMutableBufferPointer(start: mask + range.lowerBound, count: range.count))
        }
    }

    /// Applies `f` lane-wise to `range` of `x` into `out` (which may be `x`), eight at a time;
    /// a tail runs the same lane arithmetic on a splat.
    @inline(__always)
    static func lanes(_ range: Range<Int>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                      _ f: (FastMath.V) -> FastMath.V) {
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            let v = UnsafeRawPointer(x + k).loadUnaligned(as: FastMath.V.self)
            UnsafeMutableRawPointer(out + k).storeBytes(of: f(v), as: FastMath.V.self)
            k += 8
        }
        while k < range.upperBound { out[k] = f(FastMath.V(repeating: x[k]))[0]; k += 1 }
    }

    /// g = act(u) over `count` values; with `keepSlope`, u is then overwritten
    /// by act′(u) (all the backward pass needs of it).
    static func activate(_ act: BertActivation, _ u: UnsafeMutablePointer<Float>, count: Int,
                         out g: UnsafeMutablePointer<Float>, keepSlope: Bool, threads: Int) {
        let parts = count >= 1 << 15 ? maxParts : 1
        forParts(parts, rows: count, threads: threads) { _, range in
            switch (act, keepSlope) {
            case (.gelu, false):
                lanes(range, u, g) { x in x * FastMath.phi(x) }
            case (.gelu, true):
                // d/dx x·Φ(x) = Φ(x) + x·φ(x).
                lanes(range, u, g) { x in
                    let cdf = FastMath.phi(x)
                    return (x * cdf, cdf + x * 0.39894228040143268 * FastMath.exp(-0.5 * x * x))
                }
            case (.geluNew, false), (.geluPyTorchTanh, false):
                lanes(range, u, g) { x in 0.5 * x * (1 + FastMath.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))) }
            case (.geluNew, true), (.geluPyTorchTanh, true):
                lanes(range, u, g) { x in
                    let t = FastMath.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))
                    let dt = (1 - t * t) * 0.79788456080286536 * (1 + 3 * 0.044715 * x * x)
                    return (0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * dt)
                }
            case (.relu, _):
                for k in range {
                    let x = u[k]
                    g[k] = max(x, 0)
                    if keepSlope { u[k] = x > 0 ? 1 : 0 }
                }
            }
        }
    }

    /// (g, u) ← f(u) lane-wise over `range`: the value into `g`, the slope back into `u`.
    @inline(__always)
    static func lanes(_ range: Range<Int>, _ u: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                      _ f: (FastMath.V) -> (FastMath.V, FastMath.V)) {
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            let (value, slope) = f(UnsafeRawPointer(u + k).loadUnaligned(as: FastMath.V.self))
            UnsafeMutableRawPointer(g + k).storeBytes(of: value, as: FastMath.V.self)
            UnsafeMutableRawPointer(u + k).storeBytes(of: slope, as: FastMath.V.self)
            k += 8
        }
        while k < range.upperBound {
            let (value, slope) = f(FastMath.V(repeating: u[k]))
            g[k] = value[0]; u[k] = slope[0]
            k += 1
        }
    }

    /// d ← d ⊙ s over `count` values (s the stored slope act′(u)).
    static func multiply(_ d: UnsafeMutablePointer<Float>, by s: UnsafePointer<Float>, count: Int, threads: Int) {
        let parts = count >= 1 << 16 ? maxParts : 1
        forParts(parts, rows: count, threads: threads) { _, range in
            for k in range { d[k] *= s[k] }
        }
    }

    /// out = a + b over `count` values (out may alias either), split by size.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>,
                    threads: Int) {
        let parts = count >= 1 << 16 ? maxParts : 1
        forParts(parts, rows: count, threads: threads) { _, range in
            for k in range { out[k] = a[k] + b[k] }
        }
    }

    /// out = x ⊙ mask / (1 − p), split by size (out may be x).
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafePointer<UInt8>, count: Int, probability p: Double,
                        out: UnsafeMutablePointer<Float>, threads: Int) {
        let parts = count >= 1 << 16 ? maxParts : 1
        forParts(parts, rows: count, threads: threads) { _, range in
            dropout(x + range.lowerBound, mask: mask + range.lowerBound, count: range.count, probability: p,
                    out: out + range.lowerBound)
        }
    }

    /// Row-wise masked softmax of `rows` rows of width `l`: keys with
    /// `keyMask` 0 get probability exactly 0 (as adding the dtype's minimum).
    static func maskedSoftmax(_ p: UnsafeMutablePointer<Float>, rows: Int, width l: Int, keyMask: UnsafePointer<Float>) {
        for i in 0..<rows {
            let row = p + i * l
            var top = -Float.infinity
            for j in 0..<l where keyMask[j] != 0 { top = max(top, row[j]) }
            var j = 0
            while j + 8 <= l {
                let v = UnsafeRawPointer(row + j).loadUnaligned(as: FastMath.V.self)
                let m = UnsafeRawPointer(keyMask + j).loadUnaligned(as: FastMath.V.self)
                UnsafeMutableRawPointer(row + j).storeBytes(of: FastMath.exp(v - top) * m, as: FastMath.V.self)
                j += 8
            }
            while j < l { row[j] = FastMath.exp(row[j] - top) * keyMask[j]; j += 1 }
            var total: Float = 0
            for j in 0..<l { total += row[j] }
            let inv = 1 / total
            for j in 0..<l { row[j] *= inv }
        }
    }
}
