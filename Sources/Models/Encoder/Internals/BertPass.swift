import Foundation
import LinearAlgebra

/// One forward (and optionally backward) pass of a ``BertClassifier`` on one
/// batch, over the workspace's buffers. Row-major throughout; T = n·L rows.
struct BertPass {
    let model: BertClassifier
    let theta: UnsafePointer<Float>
    let ws: BertWorkspace
    let n: Int, l: Int
    let ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, mask: UnsafePointer<Int32>
    let dropout: DropoutStream?
    let h: Int, inter: Int, heads: Int, dh: Int, t: Int, classes: Int, threads: Int
    let eps: Float

    init(model: BertClassifier, theta: UnsafePointer<Float>, ws: BertWorkspace, n: Int, l: Int,
         ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, mask: UnsafePointer<Int32>, dropout: DropoutStream?) {
        self.model = model; self.theta = theta; self.ws = ws; self.n = n; self.l = l
        self.ids = ids; self.types = types; self.mask = mask; self.dropout = dropout
        let c = model.configuration
        h = c.hiddenSize; inter = c.intermediateSize; heads = c.headCount; dh = c.headSize
        t = n * l; classes = c.labelCount; threads = ws.threads
        eps = Float(c.layerNormEpsilon)
    }

    var config: BertConfiguration { model.configuration }

    /// Y (rows × out) = X (rows × in) · Wᵀ + b, W out × in at θ[w], b at θ[bias].
    func linear(_ x: UnsafePointer<Float>, rows: Int, in k: Int, out m: Int, weight w: Int, bias: Int,
                into y: UnsafeMutablePointer<Float>) {
        BertKernels.fillRows(y, bias: theta + bias, rows: rows, width: m)
        GEMM.multiply(m: rows, n: m, k: k, x, lda: k, theta + w, ldb: k, transposeB: true, beta: 1,
                      into: y, ldc: m, threads: threads)
    }

    /// Backward of ``linear``: dW = dYᵀ·X (into the gradient, or (X, dY) to the workspace's
    /// weight-gradient consumer when it takes W) and db = Σ dY (into the gradient),
    /// dX = dY·W (+ dX when `accumulate`), when `dx` is given.
    func linearBackward(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, in k: Int, out m: Int,
                        weight w: Int, bias: Int, gradient g: UnsafeMutablePointer<Float>,
                        dx: UnsafeMutablePointer<Float>?, accumulate: Bool = false) {
        if let consumer = ws.weightGradientConsumer, consumer.consumes(weightAt: w) {
            consumer.consume(weightAt: w, inputs: x, outputGradient: dy, rows: rows)
        } else {
            GEMM.multiply(m: m, n: k, k: rows, dy, lda: m, transposeA: true, x, ldb: k, beta: 0,
                          into: g + w, ldc: k, threads: threads)
        }
        BertKernels.columnSums(dy, rows: rows, width: m, into: g + bias, scratch: ws.rowScratch, threads: threads)
        if let dx {
            GEMM.multiply(m: rows, n: k, k: m, dy, lda: m, theta + w, ldb: k, beta: accumulate ? 1 : 0,
                          into: dx, ldc: k, threads: threads)
        }
    }

    func masks(site: Int, probability p: Double, count: Int, into m: UnsafeMutablePointer<UInt8>) -> Bool {
        guard let dropout, p > 0 else { return false }
        BertKernels.fillMask(dropout, site: site, probability: p, count: count, mask: m, threads: threads)
        return true
    }

    // MARK: Forward

    func forward() {
        let c = config
        for k in 0..<t { ws.keyMask[k] = mask[k] != 0 ? 1 : 0 }
        // Embeddings into ws.sum, then LayerNorm into the first layer's input (or the output).
        let e = ws.sum
        for b in 0..<n {
            for i in 0..<l {
                let r = b * l + i
                let we = theta + model.word + Int(ids[r]) * h
                let pe = theta + model.position + i * h
                let te = theta + model.tokenType + Int(types[r]) * h
                let o = e + r * h
                for j in 0..<h { o[j] = we[j] + pe[j] + te[j] }
            }
        }
        let first = ws.layers.first?.input ?? ws.output
        BertKernels.layerNorm(e, rows: t, width: h, gamma: theta + model.embGamma, beta: theta + model.embBeta,
                              epsilon: eps, out: first, xhat: ws.embXhat, rstd: ws.embRstd, threads: threads)
        if masks(site: 0, probability: c.hiddenDropout, count: t * h, into: ws.embMask) {
            BertKernels.dropout(first, mask: ws.embMask, count: t * h, probability: c.hiddenDropout, out: first, threads: threads)
        }
        // The pooler reads only the [CLS] rows (b·L) of the last layer's output, so the last layer
        // computes only those rows after its keys and values (the same values: no other row of it
        // reaches the loss).
        for li in 0..<max(0, c.layerCount - 1) { layerForward(li, output: ws.layers[li + 1].input) }
        if c.layerCount > 0 {
            lastLayerForward(c.layerCount - 1, output: ws.cls)
        } else {
            for b in 0..<n { (ws.cls + b * h).update(from: ws.output + b * l * h, count: h) }
        }
        // Pooler on [CLS], dropout, classifier.
        linear(ws.cls, rows: n, in: h, out: h, weight: model.poolerWeight, bias: model.poolerBias, into: ws.pooled)
        for k in 0..<(n * h) { ws.pooled[k] = tanhf(ws.pooled[k]) }
        let site = BertClassifier.DropoutSite.classifier(layers: c.layerCount)
        if masks(site: site, probability: c.classifierDropout, count: n * h, into: ws.clsMask) {
            BertKernels.dropout(ws.pooled, mask: ws.clsMask, count: n * h, probability: c.classifierDropout,
                                out: ws.pooledDropped)
        } else {
            ws.pooledDropped.update(from: ws.pooled, count: n * h)
        }
        linear(ws.pooledDropped, rows: n, in: h, out: classes, weight: model.classifierWeight,
               bias: model.classifierBias, into: ws.logitBuffer)
    }

    func layerForward(_ li: Int, output: UnsafeMutablePointer<Float>) {
        let c = config, o = model.layerOffsets[li], lc = ws.layers[li]
        let x = lc.input
        linear(x, rows: t, in: h, out: h, weight: o.q, bias: o.qb, into: lc.q)
        linear(x, rows: t, in: h, out: h, weight: o.k, bias: o.kb, into: lc.k)
        linear(x, rows: t, in: h, out: h, weight: o.v, bias: o.vb, into: lc.v)
        let pAttn = c.attentionDropout
        let dropping = masks(site: BertClassifier.DropoutSite.attentionProbabilities(layer: li), probability: pAttn,
                             count: n * heads * l * l, into: lc.probsMask)
        let scale = 1 / Float(dh).squareRoot()
        let keep = Float(1 / (1 - pAttn))
        let (l, h, dh, heads, ws) = (self.l, self.h, self.dh, self.heads, self.ws)
        let keyMask = UnsafePointer(ws.keyMask)
        BertKernels.forItems(n * heads, threads: threads) { item, worker in
            let b = item / heads, a = item % heads
            let off = b * l * h + a * dh
            let p = lc.probs + item * l * l
            GEMM.multiply(m: l, n: l, k: dh, alpha: scale, lc.q + off, lda: h, lc.k + off, ldb: h, transposeB: true,
                          beta: 0, into: p, ldc: l)
            BertKernels.maskedSoftmax(p, rows: l, width: l, keyMask: keyMask + b * l)
            var used = UnsafePointer(p)
            if dropping {
                let s = ws.heads + worker * 2 * l * l, bits = lc.probsMask + item * l * l
                for k in 0..<(l * l) { s[k] = bits[k] != 0 ? p[k] * keep : 0 }
                used = UnsafePointer(s)
            }
            GEMM.multiply(m: l, n: dh, k: l, used, lda: l, lc.v + off, ldb: h, beta: 0, into: lc.context + off, ldc: h)
        }
        // Attention output dense → dropout → LayerNorm(· + x).
        let z = ws.sum
        linear(lc.context, rows: t, in: h, out: h, weight: o.ao, bias: o.aob, into: z)
        if masks(site: BertClassifier.DropoutSite.attentionOutput(layer: li), probability: c.hiddenDropout,
                 count: t * h, into: lc.attnMask) {
            BertKernels.dropout(z, mask: lc.attnMask, count: t * h, probability: c.hiddenDropout, out: z, threads: threads)
        }
        BertKernels.add(z, x, count: t * h, into: z, threads: threads)
        BertKernels.layerNorm(z, rows: t, width: h, gamma: theta + o.ln1g, beta: theta + o.ln1b, epsilon: eps,
                              out: lc.y, xhat: lc.xhat1, rstd: lc.rstd1, threads: threads)
        // Feed-forward.
        linear(lc.y, rows: t, in: h, out: inter, weight: o.i, bias: o.ib, into: lc.u)
        BertKernels.activate(c.activation, lc.u, count: t * inter, out: ws.activation, keepSlope: false, threads: threads)
        linear(ws.activation, rows: t, in: inter, out: h, weight: o.o, bias: o.ob, into: z)
        if masks(site: BertClassifier.DropoutSite.feedForwardOutput(layer: li), probability: c.hiddenDropout,
                 count: t * h, into: lc.ffnMask) {
            BertKernels.dropout(z, mask: lc.ffnMask, count: t * h, probability: c.hiddenDropout, out: z, threads: threads)
        }
        BertKernels.add(z, lc.y, count: t * h, into: z, threads: threads)
        BertKernels.layerNorm(z, rows: t, width: h, gamma: theta + o.ln2g, beta: theta + o.ln2b, epsilon: eps,
                              out: output, xhat: lc.xhat2, rstd: lc.rstd2, threads: threads)
    }

    /// Dropout masks of `rows` rows of `width` entries, row r starting at entry r·`stride` of the
    /// site's full layout, packed `rows × width` into `m`: each entry gets its full-layout bit.
    func rowMasks(site: Int, probability p: Double, rows: Int, width: Int, stride: Int,
                  into m: UnsafeMutablePointer<UInt8>) -> Bool {
        guard let dropout, p > 0 else { return false }
        for r in 0..<rows {
            dropout.fillMask(site: site, probability: p, from: r * stride,
                             into: UnsafeMutableBufferPointer(start: m + r * width, count: width))
        }
        return true
    }

    /// The last layer on its [CLS] rows: keys and values of every row (`lc.k`, `lc.v`, T×H), then
    /// queries, attention, output dense, LayerNorms and feed-forward of the n [CLS] rows only, packed
    /// n×H (n×I, n·A×L probabilities) at the start of the layer's buffers; the result (n×H) into `output`.
    func lastLayerForward(_ li: Int, output: UnsafeMutablePointer<Float>) {
        let c = config, o = model.layerOffsets[li], lc = ws.layers[li]
        let x = lc.input, xc = ws.lastInput
        for b in 0..<n { (xc + b * h).update(from: x + b * l * h, count: h) }
        linear(xc, rows: n, in: h, out: h, weight: o.q, bias: o.qb, into: lc.q)
        linear(x, rows: t, in: h, out: h, weight: o.k, bias: o.kb, into: lc.k)
        linear(x, rows: t, in: h, out: h, weight: o.v, bias: o.vb, into: lc.v)
        let pAttn = c.attentionDropout
        let dropping = rowMasks(site: BertClassifier.DropoutSite.attentionProbabilities(layer: li), probability: pAttn,
                                rows: n * heads, width: l, stride: l * l, into: lc.probsMask)
        let scale = 1 / Float(dh).squareRoot()
        let keep = Float(1 / (1 - pAttn))
        let (l, h, dh, heads, ws) = (self.l, self.h, self.dh, self.heads, self.ws)
        let keyMask = UnsafePointer(ws.keyMask)
        BertKernels.forItems(n * heads, threads: threads) { item, worker in
            let b = item / heads, a = item % heads
            let off = b * l * h + a * dh, row = b * h + a * dh
            let p = lc.probs + item * l
            GEMM.multiply(m: 1, n: l, k: dh, alpha: scale, lc.q + row, lda: h, lc.k + off, ldb: h, transposeB: true,
                          beta: 0, into: p, ldc: l)
            BertKernels.maskedSoftmax(p, rows: 1, width: l, keyMask: keyMask + b * l)
            var used = UnsafePointer(p)
            if dropping {
                let s = ws.heads + worker * 2 * l * l, bits = lc.probsMask + item * l
                for k in 0..<l { s[k] = bits[k] != 0 ? p[k] * keep : 0 }
                used = UnsafePointer(s)
            }
            GEMM.multiply(m: 1, n: dh, k: l, used, lda: l, lc.v + off, ldb: h, beta: 0, into: lc.context + row, ldc: h)
        }
        let z = ws.sum, count = n * h
        linear(lc.context, rows: n, in: h, out: h, weight: o.ao, bias: o.aob, into: z)
        if rowMasks(site: BertClassifier.DropoutSite.attentionOutput(layer: li), probability: c.hiddenDropout,
                    rows: n, width: h, stride: l * h, into: lc.attnMask) {
            BertKernels.dropout(z, mask: lc.attnMask, count: count, probability: c.hiddenDropout, out: z, threads: threads)
        }
        BertKernels.add(z, xc, count: count, into: z, threads: threads)
        BertKernels.layerNorm(z, rows: n, width: h, gamma: theta + o.ln1g, beta: theta + o.ln1b, epsilon: eps,
                              out: lc.y, xhat: lc.xhat1, rstd: lc.rstd1, threads: threads)
        linear(lc.y, rows: n, in: h, out: inter, weight: o.i, bias: o.ib, into: lc.u)
        BertKernels.activate(c.activation, lc.u, count: n * inter, out: ws.activation, keepSlope: false, threads: threads)
        linear(ws.activation, rows: n, in: inter, out: h, weight: o.o, bias: o.ob, into: z)
        if rowMasks(site: BertClassifier.DropoutSite.feedForwardOutput(layer: li), probability: c.hiddenDropout,
                    rows: n, width: h, stride: l * h, into: lc.ffnMask) {
            BertKernels.dropout(z, mask: lc.ffnMask, count: count, probability: c.hiddenDropout, out: z, threads: threads)
        }
        BertKernels.add(z, lc.y, count: count, into: z, threads: threads)
        BertKernels.layerNorm(z, rows: n, width: h, gamma: theta + o.ln2g, beta: theta + o.ln2b, epsilon: eps,
                              out: output, xhat: lc.xhat2, rstd: lc.rstd2, threads: threads)
    }

    // MARK: Loss

    /// Σ cross-entropy and correct count; with `wantGradient`, ∂(mean CE)/∂logits into ws.dLogits.
    func loss(labels: UnsafePointer<Int32>?, wantGradient: Bool) -> BatchResult {
        guard let labels else { return BatchResult(lossSum: 0, correct: 0, count: n) }
        var total = 0.0, correct = 0
        for b in 0..<n {
            let z = ws.logitBuffer + b * classes, y = Int(labels[b])
            var top = z[0], arg = 0
            for k in 1..<max(classes, 1) where z[k] > top { top = z[k]; arg = k }
            if arg == y { correct += 1 }
            var s = 0.0
            for k in 0..<classes { s += Foundation.exp(Double(z[k] - top)) }
            total += Foundation.log(s) - Double(z[y] - top)
            if wantGradient {
                let d = ws.dLogits + b * classes
                for k in 0..<classes {
                    let p = Foundation.exp(Double(z[k] - top)) / s
                    d[k] = Float((p - (k == y ? 1 : 0)) / Double(n))
                }
            }
        }
        return BatchResult(lossSum: total, correct: correct, count: n)
    }

    // MARK: Backward

    func backward(into g: UnsafeMutablePointer<Float>) {
        let c = config
        // Classifier and pooler.
        linearBackward(ws.dLogits, x: ws.pooledDropped, rows: n, in: h, out: classes, weight: model.classifierWeight,
                       bias: model.classifierBias, gradient: g, dx: ws.dPooled)
        if dropout != nil && c.classifierDropout > 0 {
            BertKernels.dropout(ws.dPooled, mask: ws.clsMask, count: n * h, probability: c.classifierDropout, out: ws.dPooled)
        }
        for k in 0..<(n * h) { ws.dPooled[k] *= 1 - ws.pooled[k] * ws.pooled[k] }
        linearBackward(ws.dPooled, x: ws.cls, rows: n, in: h, out: h, weight: model.poolerWeight,
                       bias: model.poolerBias, gradient: g, dx: ws.dCls)
        if c.layerCount > 0 {
            lastLayerBackward(c.layerCount - 1, gradient: g)
        } else {
            ws.dh.initialize(repeating: 0, count: t * h)
            for b in 0..<n { (ws.dh + b * l * h).update(from: ws.dCls + b * h, count: h) }
        }
        for li in stride(from: c.layerCount - 2, through: 0, by: -1) { layerBackward(li, gradient: g) }
        guard ws.embeddingGradients else { return }
        // Embeddings: dh is ∂/∂(embedding output after dropout).
        if dropout != nil && c.hiddenDropout > 0 {
            BertKernels.dropout(ws.dh, mask: ws.embMask, count: t * h, probability: c.hiddenDropout, out: ws.dh, threads: threads)
        }
        BertKernels.layerNormBackward(ws.dh, xhat: ws.embXhat, rstd: ws.embRstd, gamma: theta + model.embGamma,
                                      rows: t, width: h, dx: ws.dz, dgamma: g + model.embGamma,
                                      dbeta: g + model.embBeta, scratch: ws.rowScratch, threads: threads)
        let v = c.vocabularySize, p = c.maxPositions, tv = c.typeVocabularySize
        // The word-embedding gradient is large (V × H) and mostly zero: cleared on all threads.
        let word = g + model.word
        BertKernels.forParts(v * h >= 1 << 20 ? BertKernels.maxParts : 1, rows: v, threads: threads) { _, rows in
            (word + rows.lowerBound * h).initialize(repeating: 0, count: rows.count * h)
        }
        (g + model.position).initialize(repeating: 0, count: p * h)
        (g + model.tokenType).initialize(repeating: 0, count: tv * h)
        for b in 0..<n {
            for i in 0..<l {
                let r = b * l + i
                let d = ws.dz + r * h
                let gw = g + model.word + Int(ids[r]) * h
                let gp = g + model.position + i * h
                let gt = g + model.tokenType + Int(types[r]) * h
                for j in 0..<h { gw[j] += d[j]; gp[j] += d[j]; gt[j] += d[j] }
            }
        }
    }

    /// Backward through ``lastLayerForward``: ws.dCls (n×H) holds ∂/∂(its [CLS] outputs) on entry,
    /// ws.dh (T×H) ∂/∂(the layer input) on exit. Only the keys' and values' products run on every row.
    func lastLayerBackward(_ li: Int, gradient g: UnsafeMutablePointer<Float>) {
        let c = config, o = model.layerOffsets[li], lc = ws.layers[li]
        let training = dropout != nil
        let count = n * h
        BertKernels.layerNormBackward(ws.dCls, xhat: lc.xhat2, rstd: lc.rstd2, gamma: theta + o.ln2g, rows: n, width: h,
                                      dx: ws.dz, dgamma: g + o.ln2g, dbeta: g + o.ln2b, scratch: ws.rowScratch,
                                      threads: threads)
        ws.dy.update(from: ws.dz, count: count)
        if training && c.hiddenDropout > 0 {
            BertKernels.dropout(ws.dz, mask: lc.ffnMask, count: count, probability: c.hiddenDropout, out: ws.dz, threads: threads)
        }
        BertKernels.activate(c.activation, lc.u, count: n * inter, out: ws.activation, keepSlope: true, threads: threads)
        linearBackward(ws.dz, x: ws.activation, rows: n, in: inter, out: h, weight: o.o, bias: o.ob, gradient: g, dx: ws.dInter)
        BertKernels.multiply(ws.dInter, by: lc.u, count: n * inter, threads: threads)
        linearBackward(ws.dInter, x: lc.y, rows: n, in: h, out: inter, weight: o.i, bias: o.ib, gradient: g,
                       dx: ws.dy, accumulate: true)
        BertKernels.layerNormBackward(ws.dy, xhat: lc.xhat1, rstd: lc.rstd1, gamma: theta + o.ln1g, rows: n, width: h,
                                      dx: ws.dz, dgamma: g + o.ln1g, dbeta: g + o.ln1b, scratch: ws.rowScratch,
                                      threads: threads)
        // dh starts as the residual, on the [CLS] rows.
        ws.dh.initialize(repeating: 0, count: t * h)
        for b in 0..<n { (ws.dh + b * l * h).update(from: ws.dz + b * h, count: h) }
        if training && c.hiddenDropout > 0 {
            BertKernels.dropout(ws.dz, mask: lc.attnMask, count: count, probability: c.hiddenDropout, out: ws.dz, threads: threads)
        }
        linearBackward(ws.dz, x: lc.context, rows: n, in: h, out: h, weight: o.ao, bias: o.aob, gradient: g, dx: ws.dctx)
        let pAttn = c.attentionDropout
        let dropping = training && pAttn > 0
        let scale = 1 / Float(dh).squareRoot()
        let keep = Float(1 / (1 - pAttn))
        let (l, h, dh, heads, ws) = (self.l, self.h, self.dh, self.heads, self.ws)
        BertKernels.forItems(n * heads, threads: threads) { item, worker in
            let b = item / heads, a = item % heads
            let off = b * l * h + a * dh, row = b * h + a * dh
            let p = lc.probs + item * l
            let s1 = ws.heads + worker * 2 * l * l, s2 = s1 + l * l
            // dP' = dC·Vᵀ (1 × L).
            GEMM.multiply(m: 1, n: l, k: dh, ws.dctx + row, lda: h, lc.v + off, ldb: h, transposeB: true,
                          beta: 0, into: s2, ldc: l)
            var used = UnsafePointer(p)
            if dropping {
                let bits = lc.probsMask + item * l
                for k in 0..<l {
                    let kept = bits[k] != 0
                    s1[k] = kept ? p[k] * keep : 0
                    s2[k] = kept ? s2[k] * keep : 0
                }
                used = UnsafePointer(s1)
            }
            // dV = P'ᵀ·dC (L × dh, rank one).
            GEMM.multiply(m: l, n: dh, k: 1, used, lda: l, transposeA: true, ws.dctx + row, ldb: h, beta: 0,
                          into: ws.dv + off, ldc: h)
            var dot: Float = 0
            for j in 0..<l { dot += p[j] * s2[j] }
            for j in 0..<l { s2[j] = p[j] * (s2[j] - dot) }
            // dQ = dS·K/√dh (1 × dh), dK = dSᵀ·Q/√dh (L × dh).
            GEMM.multiply(m: 1, n: dh, k: l, alpha: scale, s2, lda: l, lc.k + off, ldb: h, beta: 0,
                          into: ws.dq + row, ldc: h)
            GEMM.multiply(m: l, n: dh, k: 1, alpha: scale, s2, lda: l, transposeA: true, lc.q + row, ldb: h, beta: 0,
                          into: ws.dk + off, ldc: h)
        }
        // The queries' input gradient (n × H) joins dh on the [CLS] rows; keys and values on every row.
        linearBackward(ws.dq, x: ws.lastInput, rows: n, in: h, out: h, weight: o.q, bias: o.qb, gradient: g, dx: ws.dy)
        for b in 0..<n {
            let d = ws.dh + b * l * h, e = ws.dy + b * h
            for j in 0..<h { d[j] += e[j] }
        }
        let x = lc.input
        linearBackward(ws.dk, x: x, rows: t, in: h, out: h, weight: o.k, bias: o.kb, gradient: g, dx: ws.dh, accumulate: true)
        linearBackward(ws.dv, x: x, rows: t, in: h, out: h, weight: o.v, bias: o.vb, gradient: g, dx: ws.dh, accumulate: true)
    }

    /// Backward through layer `li`: ws.dh holds ∂/∂(layer output) on entry and ∂/∂(layer input) on exit.
    func layerBackward(_ li: Int, gradient g: UnsafeMutablePointer<Float>) {
        let c = config, o = model.layerOffsets[li], lc = ws.layers[li]
        let training = dropout != nil
        // LayerNorm 2: dz = ∂/∂(ffn_dropped + y).
        BertKernels.layerNormBackward(ws.dh, xhat: lc.xhat2, rstd: lc.rstd2, gamma: theta + o.ln2g, rows: t, width: h,
                                      dx: ws.dz, dgamma: g + o.ln2g, dbeta: g + o.ln2b, scratch: ws.rowScratch,
                                      threads: threads)
        // dy = dz (residual) + feed-forward path.
        ws.dy.update(from: ws.dz, count: t * h)
        if training && c.hiddenDropout > 0 {
            BertKernels.dropout(ws.dz, mask: lc.ffnMask, count: t * h, probability: c.hiddenDropout, out: ws.dz, threads: threads)
        }
        // act(u) again (not kept per layer), and act′(u) in place of u.
        BertKernels.activate(c.activation, lc.u, count: t * inter, out: ws.activation, keepSlope: true, threads: threads)
        linearBackward(ws.dz, x: ws.activation, rows: t, in: inter, out: h, weight: o.o, bias: o.ob, gradient: g, dx: ws.dInter)
        BertKernels.multiply(ws.dInter, by: lc.u, count: t * inter, threads: threads)
        linearBackward(ws.dInter, x: lc.y, rows: t, in: h, out: inter, weight: o.i, bias: o.ib, gradient: g,
                       dx: ws.dy, accumulate: true)
        // LayerNorm 1: dz = ∂/∂(attn_dropped + x).
        BertKernels.layerNormBackward(ws.dy, xhat: lc.xhat1, rstd: lc.rstd1, gamma: theta + o.ln1g, rows: t, width: h,
                                      dx: ws.dz, dgamma: g + o.ln1g, dbeta: g + o.ln1b, scratch: ws.rowScratch,
                                      threads: threads)
        // dh (∂/∂x) starts as the residual.
        ws.dh.update(from: ws.dz, count: t * h)
        if training && c.hiddenDropout > 0 {
            BertKernels.dropout(ws.dz, mask: lc.attnMask, count: t * h, probability: c.hiddenDropout, out: ws.dz, threads: threads)
        }
        linearBackward(ws.dz, x: lc.context, rows: t, in: h, out: h, weight: o.ao, bias: o.aob, gradient: g, dx: ws.dctx)
        // Attention, per example and head. Below the first layer nothing may be needed: then only
        // the gradients of the unfrozen query, key and value weights are formed.
        let input = li > 0 || ws.embeddingGradients
        let consumer = self.ws.weightGradientConsumer
        let frozen = { (w: Int) in consumer?.isFrozen(weightAt: w) ?? false }
        let (wantQ, wantK, wantV) = (input || !frozen(o.q), input || !frozen(o.k), input || !frozen(o.v))
        let pAttn = c.attentionDropout
        let dropping = training && pAttn > 0
        let scale = 1 / Float(dh).squareRoot()
        let keep = Float(1 / (1 - pAttn))
        let (l, h, dh, heads, ws) = (self.l, self.h, self.dh, self.heads, self.ws)
        BertKernels.forItems(n * heads, threads: threads) { item, worker in
            let b = item / heads, a = item % heads
            let off = b * l * h + a * dh
            let p = lc.probs + item * l * l
            let s1 = ws.heads + worker * 2 * l * l, s2 = s1 + l * l
            // dP' = dC·Vᵀ (s2).
            GEMM.multiply(m: l, n: l, k: dh, ws.dctx + off, lda: h, lc.v + off, ldb: h, transposeB: true,
                          beta: 0, into: s2, ldc: l)
            var used = UnsafePointer(p)
            if dropping {
                let bits = lc.probsMask + item * l * l
                for k in 0..<(l * l) {
                    let kept = bits[k] != 0
                    s1[k] = kept ? p[k] * keep : 0
                    s2[k] = kept ? s2[k] * keep : 0
                }
                used = UnsafePointer(s1)
            }
            // dV = P'ᵀ·dC.
            if wantV {
                GEMM.multiply(m: l, n: dh, k: l, used, lda: l, transposeA: true, ws.dctx + off, ldb: h, beta: 0,
                              into: ws.dv + off, ldc: h)
            }
            guard wantQ || wantK else { return }
            // dS = P ⊙ (dP − rowsum(dP ⊙ P)) (s2).
            for i in 0..<l {
                let pr = p + i * l, dr = s2 + i * l
                var dot: Float = 0
                for j in 0..<l { dot += pr[j] * dr[j] }
                for j in 0..<l { dr[j] = pr[j] * (dr[j] - dot) }
            }
            // dQ = dS·K/√dh, dK = dSᵀ·Q/√dh.
            if wantQ {
                GEMM.multiply(m: l, n: dh, k: l, alpha: scale, s2, lda: l, lc.k + off, ldb: h, beta: 0,
                              into: ws.dq + off, ldc: h)
            }
            if wantK {
                GEMM.multiply(m: l, n: dh, k: l, alpha: scale, s2, lda: l, transposeA: true, lc.q + off, ldb: h, beta: 0,
                              into: ws.dk + off, ldc: h)
            }
        }
        let x = lc.input, dx = input ? ws.dh : nil
        if wantQ { linearBackward(ws.dq, x: x, rows: t, in: h, out: h, weight: o.q, bias: o.qb, gradient: g, dx: dx, accumulate: true) }
        if wantK { linearBackward(ws.dk, x: x, rows: t, in: h, out: h, weight: o.k, bias: o.kb, gradient: g, dx: dx, accumulate: true) }
        if wantV { linearBackward(ws.dv, x: x, rows: t, in: h, out: h, weight: o.v, bias: o.vb, gradient: g, dx: dx, accumulate: true) }
        // Dropout of the layer input happens only after the embeddings (handled by the caller).
    }
}
