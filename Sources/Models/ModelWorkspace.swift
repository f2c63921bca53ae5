/// Scratch buffers of one model for batches of up to ``batchCapacity``
/// examples: activations kept for the backward pass, their gradients and the
/// logits. Not thread-safe: one workspace per concurrent caller.
public final class ModelWorkspace {
    /// The largest batch it holds.
    public let batchCapacity: Int
    /// The number of classes (logit columns).
    public let classCount: Int
    /// Threads of the matrix products.
    public let threads: Int
    /// Where weight gradients go in factored form (``WeightGradientConsumer``); `nil`: all dense.
    public var weightGradientConsumer: (any WeightGradientConsumer)? = nil
    private var storage: [UnsafeMutableBufferPointer<Float>]
    private var indexStorage: [UnsafeMutableBufferPointer<Int32>]

    /// Buffers of the given element counts (Float and Int32), zero-filled.
    init(batchCapacity: Int, classCount: Int, threads: Int, floatBuffers: [Int], indexBuffers: [Int] = []) {
        self.batchCapacity = batchCapacity
        self.threads = max(1, threads)
        self.classCount = classCount
        storage = ([batchCapacity * classCount, batchCapacity * classCount] + floatBuffers).map {
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max($0, 1))
            b.initialize(repeating: 0)
            return b
        }
        indexStorage = indexBuffers.map {
            let b = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max($0, 1))
            b.initialize(repeating: 0)
            return b
        }
    }

    deinit {
        for b in storage { b.deallocate() }
        for b in indexStorage { b.deallocate() }
    }

    /// The logits of the last batch (n×classes, row-major).
    public func logits(count n: Int) -> [Float] {
        Array(UnsafeBufferPointer(rebasing: storage[0][0..<(n * classCount)]))
    }

    var logitsPointer: UnsafeMutablePointer<Float> { storage[0].baseAddress! }
    var logitGradient: UnsafeMutablePointer<Float> { storage[1].baseAddress! }
    /// Model-specific buffer `i` (in the order given at creation).
    func buffer(_ i: Int) -> UnsafeMutablePointer<Float> { storage[i + 2].baseAddress! }
    func indices(_ i: Int) -> UnsafeMutablePointer<Int32> { indexStorage[i].baseAddress! }
}
