import LinearAlgebra

/// Scratch memory for one ``BertClassifier`` on batches of up to
/// ``batchCapacity`` examples of up to ``lengthCapacity`` tokens, allocated
/// once: the forward pass keeps every activation the backward pass needs
/// (per layer: input, Q, K, V, attention probabilities, context, LayerNorm
/// statistics, feed-forward pre-activations, dropout masks; the activations
/// themselves are recomputed in the backward pass, which saves T·I floats per layer), so a training step
/// allocates nothing. Not thread-safe: one step at a time per workspace.
///
/// Memory, with T = n·L (n = batch, L = length, H = hidden, I = intermediate,
/// A = heads): 4·(8·T·H + T·I + n·A·L²) + 2·T·H + n·A·L² bytes per layer
/// (activations and dropout masks), plus 4·(10·T·H + 2·T·I) bytes shared
/// (embedding statistics, last output, backward scratch). MiniLM-L6 at
/// 32 × 64: about 320 MB.
public final class BertWorkspace: @unchecked Sendable {
    /// The most examples per batch.
    public let batchCapacity: Int
    /// The longest padded length.
    public let lengthCapacity: Int
    /// Threads for matrix products and attention heads (results do not depend on it).
    public let threads: Int
    /// Takes the dense layers' weight gradients in factored form (LoRA training sets one): for
    /// every weight it ``WeightGradientConsumer/consumes(weightAt:)``, the backward pass hands it
    /// (x, dy) and leaves that weight's slot of the dense gradient untouched, so a frozen or
    /// factored weight costs no dense ∂W = dyᵀ·x. The offset is the weight's first element in θ.
    public var weightGradientConsumer: (any WeightGradientConsumer)? = nil
    /// Whether the backward pass goes below the first layer. `false` (LoRA training, whose
    /// embeddings are frozen, sets it) leaves the gradient slots of the embedding tables and their
    /// LayerNorm untouched and forms no input gradient of the first layer, nor the output gradient of
    /// a frozen query, key or value weight there (see ``WeightGradientConsumer/isFrozen(weightAt:)``).
    public var embeddingGradients = true

    struct Layer {
        var input: UnsafeMutablePointer<Float>      // T×H, the layer's input (also the residual)
        var q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
        var probs: UnsafeMutablePointer<Float>      // n·A·L·L softmax probabilities (before dropout)
        var probsMask: UnsafeMutablePointer<UInt8>  // n·A·L·L
        var context: UnsafeMutablePointer<Float>    // T×H
        var attnMask: UnsafeMutablePointer<UInt8>   // T×H
        var xhat1: UnsafeMutablePointer<Float>, rstd1: UnsafeMutablePointer<Float>
        var y: UnsafeMutablePointer<Float>          // T×H, attention block output (LayerNorm 1)
        var u: UnsafeMutablePointer<Float>          // T×I, pre-activation (act′ of it once the backward pass reaches it)
        var ffnMask: UnsafeMutablePointer<UInt8>    // T×H
        var xhat2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>
    }

    var layers: [Layer] = []
    var output: UnsafeMutablePointer<Float>         // T×H, the embeddings' output when there are no layers
    var lastInput: UnsafeMutablePointer<Float>      // n×H, the [CLS] rows of the last layer's input
    var embXhat: UnsafeMutablePointer<Float>, embRstd: UnsafeMutablePointer<Float>
    var embMask: UnsafeMutablePointer<UInt8>
    var cls: UnsafeMutablePointer<Float>, pooled: UnsafeMutablePointer<Float>, pooledDropped: UnsafeMutablePointer<Float>
    var clsMask: UnsafeMutablePointer<UInt8>
    var logitBuffer: UnsafeMutablePointer<Float>, dLogits: UnsafeMutablePointer<Float>
    // Backward scratch.
    var sum: UnsafeMutablePointer<Float>            // T×H pre-LayerNorm sums / forward temp
    var dh: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>
    var dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>
    var dctx: UnsafeMutablePointer<Float>
    var dInter: UnsafeMutablePointer<Float>         // T×I
    var activation: UnsafeMutablePointer<Float>     // T×I, act(u) of the layer at hand (recomputed in the backward pass)
    var dPooled: UnsafeMutablePointer<Float>, dCls: UnsafeMutablePointer<Float>
    var heads: UnsafeMutablePointer<Float>          // per worker 2·L·L
    var rowScratch: UnsafeMutablePointer<Float>     // LayerNorm per-part partial sums
    var keyMask: UnsafeMutablePointer<Float>        // n·L attention mask as 0/1 floats
    var labelCount: Int
    let hiddenSize: Int
    private var allocations: [UnsafeMutableRawPointer] = []

    /// Workspace for `configuration` on up to `batchCapacity` × `lengthCapacity` tokens.
    ///
    /// - Precondition: `lengthCapacity ≤ max_position_embeddings`.
    init(configuration c: BertConfiguration, batchCapacity: Int, lengthCapacity: Int, threads: Int) {
        precondition(batchCapacity >= 1 && lengthCapacity >= 1 && lengthCapacity <= c.maxPositions,
                     "BertWorkspace: capacity \(batchCapacity) × \(lengthCapacity) (max positions \(c.maxPositions))")
        self.batchCapacity = batchCapacity
        self.lengthCapacity = lengthCapacity
        self.threads = max(1, threads)
        labelCount = c.labelCount
        hiddenSize = c.hiddenSize
        let t = batchCapacity * lengthCapacity, h = c.hiddenSize, i = c.intermediateSize
        let p = batchCapacity * c.headCount * lengthCapacity * lengthCapacity
        var owned: [UnsafeMutableRawPointer] = []
        func f(_ n: Int) -> UnsafeMutablePointer<Float> {
            let ptr = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            ptr.initialize(repeating: 0, count: max(n, 1))
            owned.append(UnsafeMutableRawPointer(ptr))
            return ptr
        }
        func b(_ n: Int) -> UnsafeMutablePointer<UInt8> {
            let ptr = UnsafeMutablePointer<UInt8>.allocate(capacity: max(n, 1))
            ptr.initialize(repeating: 1, count: max(n, 1))
            owned.append(UnsafeMutableRawPointer(ptr))
            return ptr
        }
        for _ in 0..<c.layerCount {
            layers.append(Layer(input: f(t * h), q: f(t * h), k: f(t * h), v: f(t * h), probs: f(p), probsMask: b(p),
                                context: f(t * h), attnMask: b(t * h), xhat1: f(t * h), rstd1: f(t), y: f(t * h),
                                u: f(t * i), ffnMask: b(t * h), xhat2: f(t * h), rstd2: f(t)))
        }
        output = f(t * h)
        lastInput = f(batchCapacity * h)
        embXhat = f(t * h); embRstd = f(t); embMask = b(t * h)
        cls = f(batchCapacity * h); pooled = f(batchCapacity * h); pooledDropped = f(batchCapacity * h)
        clsMask = b(batchCapacity * h)
        logitBuffer = f(batchCapacity * c.labelCount); dLogits = f(batchCapacity * c.labelCount)
        sum = f(t * h); dh = f(t * h); dy = f(t * h); dz = f(t * h)
        dq = f(t * h); dk = f(t * h); dv = f(t * h); dctx = f(t * h)
        dInter = f(t * i)
        activation = f(t * i)
        dPooled = f(batchCapacity * h); dCls = f(batchCapacity * h)
        heads = f(BertKernels.maxParts * 2 * lengthCapacity * lengthCapacity)
        keyMask = f(t)
        rowScratch = f(BertKernels.maxParts * 2 * max(h, i))
        allocations = owned
    }

    deinit { for p in allocations { p.deallocate() } }

    /// The logits of the last ``BertClassifier/evaluate(parameters:batch:dropout:gradient:workspace:)``
    /// call, `count` × num_labels row-major.
    public func logits(count: Int) -> [Float] {
        precondition(count <= batchCapacity, "BertWorkspace.logits: \(count) > capacity \(batchCapacity)")
        return Array(UnsafeBufferPointer(start: logitBuffer, count: count * labelCount))
    }

    /// The pooled [CLS] states (tanh of the pooler, before dropout) of the last call, `count` × H row-major.
    public func pooledOutput(count: Int) -> [Float] {
        precondition(count <= batchCapacity, "BertWorkspace.pooledOutput: \(count) > capacity \(batchCapacity)")
        return Array(UnsafeBufferPointer(start: pooled, count: count * hiddenSize))
    }
}
