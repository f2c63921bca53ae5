import Foundation
import LinearAlgebra

/// transformers' `BertForSequenceClassification` (BertModel → pooler →
/// dropout → classifier) with a hand-written forward and backward pass over
/// one flat Float32 parameter buffer θ laid out by ``layout``.
///
/// Forward, per batch of n × L tokens (T = n·L rows, H hidden, A heads):
/// embeddings word + position (0…L−1) + token type → LayerNorm → dropout;
/// per layer: Q, K, V = X·Wᵀ + b (T × H); per example and head,
/// softmax(Q·Kᵀ/√(H/A) + mask) with masked keys' probabilities exactly 0
/// (transformers adds the dtype's minimum) → dropout → ·V; attention output
/// dense → dropout → LayerNorm(· + X); intermediate dense → activation →
/// output dense → dropout → LayerNorm(· + ·); pooler tanh(W·h_[CLS] + b) →
/// dropout → classifier. The loss is the batch mean of softmax cross-entropy.
///
/// Dropout sites (for ``DropoutStream``): 0 the embeddings; for layer l,
/// 1 + 3l the attention probabilities (element ((b·A + a)·L + i)·L + j),
/// 2 + 3l the attention output and 3 + 3l the feed-forward output
/// (element t·H + c, t = b·L + i); 1 + 3·layers the pooled output before the
/// classifier (element b·H + c).
///
/// Threads: the dense layers are single GEMMs over all T rows (row blocks
/// fixed by the sizes), attention runs per (example, head) in parallel, and
/// row-wise kernels use a split fixed by the sizes, so results are identical
/// for every thread count.
public struct BertClassifier: Sendable {
    /// The architecture.
    public let configuration: BertConfiguration
    /// Names, shapes and offsets of the tensors in θ.
    public let layout: ParameterLayout

    struct LayerOffsets: Sendable {
        var q = 0, qb = 0, k = 0, kb = 0, v = 0, vb = 0, ao = 0, aob = 0, ln1g = 0, ln1b = 0
        var i = 0, ib = 0, o = 0, ob = 0, ln2g = 0, ln2b = 0
    }
    let word: Int, position: Int, tokenType: Int, embGamma: Int, embBeta: Int
    let layerOffsets: [LayerOffsets]
    let poolerWeight: Int, poolerBias: Int, classifierWeight: Int, classifierBias: Int

    /// The model for `configuration`, θ laid out by ``ParameterLayout/bert(_:)``.
    public init(configuration: BertConfiguration) {
        self.configuration = configuration
        let layout = ParameterLayout.bert(configuration)
        self.layout = layout
        var at: [String: Int] = [:]
        for e in layout.entries { at[e.name] = e.offset }
        word = at["bert.embeddings.word_embeddings.weight"]!
        position = at["bert.embeddings.position_embeddings.weight"]!
        tokenType = at["bert.embeddings.token_type_embeddings.weight"]!
        embGamma = at["bert.embeddings.LayerNorm.weight"]!
        embBeta = at["bert.embeddings.LayerNorm.bias"]!
        layerOffsets = (0..<configuration.layerCount).map { l in
            let p = "bert.encoder.layer.\(l)."
            var o = LayerOffsets()
            o.q = at[p + "attention.self.query.weight"]!; o.qb = at[p + "attention.self.query.bias"]!
            o.k = at[p + "attention.self.key.weight"]!; o.kb = at[p + "attention.self.key.bias"]!
            o.v = at[p + "attention.self.value.weight"]!; o.vb = at[p + "attention.self.value.bias"]!
            o.ao = at[p + "attention.output.dense.weight"]!; o.aob = at[p + "attention.output.dense.bias"]!
            o.ln1g = at[p + "attention.output.LayerNorm.weight"]!; o.ln1b = at[p + "attention.output.LayerNorm.bias"]!
            o.i = at[p + "intermediate.dense.weight"]!; o.ib = at[p + "intermediate.dense.bias"]!
            o.o = at[p + "output.dense.weight"]!; o.ob = at[p + "output.dense.bias"]!
            o.ln2g = at[p + "output.LayerNorm.weight"]!; o.ln2b = at[p + "output.LayerNorm.bias"]!
            return o
        }
        poolerWeight = at["bert.pooler.dense.weight"]!
        poolerBias = at["bert.pooler.dense.bias"]!
        classifierWeight = at["classifier.weight"]!
        classifierBias = at["classifier.bias"]!
    }

    /// The number of classes.
    public var classCount: Int { configuration.labelCount }

    /// The dropout site of the embeddings (0), of layer `l`'s attention
    /// probabilities (1 + 3l), attention output (2 + 3l) and feed-forward
    /// output (3 + 3l), and of the classifier input (1 + 3·layers).
    public enum DropoutSite {
        /// Site of the embedding output: 0.
        public static let embeddings = 0
        /// Site of layer `l`'s attention probabilities: 1 + 3l.
        public static func attentionProbabilities(layer l: Int) -> Int { 1 + 3 * l }
        /// Site of layer `l`'s attention output (before its LayerNorm): 2 + 3l.
        public static func attentionOutput(layer l: Int) -> Int { 2 + 3 * l }
        /// Site of layer `l`'s feed-forward output (before its LayerNorm): 3 + 3l.
        public static func feedForwardOutput(layer l: Int) -> Int { 3 + 3 * l }
        /// Site of the pooled output before the classifier: 1 + 3·`layers`.
        public static func classifier(layers: Int) -> Int { 1 + 3 * layers }
    }

    /// Scratch memory for batches of up to `batchCapacity` examples of up to
    /// `lengthCapacity` tokens; products and heads run on up to `threads`
    /// threads. Call `BLASThreads.set(1)` before using more than one.
    public func makeWorkspace(batchCapacity: Int, lengthCapacity: Int, threads: Int = 1) -> BertWorkspace {
        BertWorkspace(configuration: configuration, batchCapacity: batchCapacity, lengthCapacity: lengthCapacity,
                      threads: threads)
    }

    /// Checks a batch against the model: ids, token types, mask values
    /// (0 or 1, at least one real token per row), labels, and the length
    /// against `max_position_embeddings`.
    ///
    /// - Throws: ``ModelError/Code/invalidBatch`` naming the example and position;
    ///   `path` is `source`.
    public func validate(_ batch: EncoderBatch, source: String = "batch") throws(ModelError) {
        let c = configuration, n = batch.count, l = batch.length
        guard l <= c.maxPositions else {
            throw ModelError(.invalidBatch, path: source, "length \(l) exceeds max_position_embeddings \(c.maxPositions)")
        }
        for b in 0..<n {
            var real = 0
            for i in 0..<l {
                let t = b * l + i
                guard batch.tokenIDs[t] >= 0 && Int(batch.tokenIDs[t]) < c.vocabularySize else {
                    throw ModelError(.invalidBatch, path: source, "example \(b), position \(i): token id \(batch.tokenIDs[t]) outside 0..<\(c.vocabularySize)")
                }
                guard batch.tokenTypes[t] >= 0 && Int(batch.tokenTypes[t]) < c.typeVocabularySize else {
                    throw ModelError(.invalidBatch, path: source, "example \(b), position \(i): token type \(batch.tokenTypes[t]) outside 0..<\(c.typeVocabularySize)")
                }
                guard batch.attentionMask[t] == 0 || batch.attentionMask[t] == 1 else {
                    throw ModelError(.invalidBatch, path: source, "example \(b), position \(i): attention mask \(batch.attentionMask[t]) is not 0 or 1")
                }
                real += Int(batch.attentionMask[t])
            }
            guard real > 0 else { throw ModelError(.invalidBatch, path: source, "example \(b) has no real token (mask all 0)") }
            if !batch.labels.isEmpty, batch.labels[b] < 0 || Int(batch.labels[b]) >= c.labelCount {
                throw ModelError(.invalidBatch, path: source, "example \(b): label \(batch.labels[b]) outside 0..<\(c.labelCount)")
            }
        }
    }

    /// Forward pass on `batch` (eval mode when `dropout` is nil, training
    /// mode with the masks of `dropout` otherwise); when `gradient` is given
    /// (``layout`` count values) writes ∂(mean cross-entropy)/∂θ into it,
    /// overwriting every element except the slots of weights that the workspace's
    /// ``BertWorkspace/weightGradientConsumer`` takes (those it receives as (x, dy) instead).
    /// Logits stay in `workspace` (n × classes).
    ///
    /// - Precondition: the batch fits the workspace and passes ``validate(_:source:)``;
    ///   labels are present when `gradient` is given.
    public func evaluate(parameters theta: UnsafePointer<Float>, batch: EncoderBatch, dropout: DropoutStream?,
                         gradient: UnsafeMutablePointer<Float>?, workspace ws: BertWorkspace) -> BatchResult {
        precondition(batch.count <= ws.batchCapacity && batch.length <= ws.lengthCapacity,
                     "BertClassifier: batch \(batch.count) × \(batch.length) exceeds workspace \(ws.batchCapacity) × \(ws.lengthCapacity)")
        precondition(gradient == nil || !batch.labels.isEmpty, "BertClassifier: a gradient needs labels")
        if batch.count == 0 { return BatchResult(lossSum: 0, correct: 0, count: 0) }
        return batch.tokenIDs.withUnsafeBufferPointer { ids in
            batch.tokenTypes.withUnsafeBufferPointer { types in
                batch.attentionMask.withUnsafeBufferPointer { mask in
                    batch.labels.withUnsafeBufferPointer { labels in
                        let pass = BertPass(model: self, theta: theta, ws: ws, n: batch.count, l: batch.length,
                                        ids: ids.baseAddress!, types: types.baseAddress!, mask: mask.baseAddress!,
                                        dropout: dropout)
                        pass.forward()
                        let result = pass.loss(labels: labels.baseAddress, wantGradient: gradient != nil)
                        if let gradient { pass.backward(into: gradient) }
                        return result
                    }
                }
            }
        }
    }
}
