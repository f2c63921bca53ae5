/// The named tensors of a model inside its one flat parameter buffer θ_D.
///
/// Tensors are stored back to back in ``entries`` order, each row-major in
/// PyTorch's layout: a linear layer's `weight` is out×in, a convolution's
/// out×in×kh×kw, biases are 1-D. A projection P (D×d) maps straight into
/// this buffer, and checkpoints carry these names and shapes. Encoders use it
/// too, under transformers' names (``bert(_:)``).
public struct ParameterLayout: Sendable, Hashable, Codable {
    /// One tensor: its name, shape and offset (in elements) in θ_D.
    public struct Entry: Sendable, Hashable, Codable {
        /// PyTorch-style name, e.g. `fc1.weight`.
        public let name: String
        /// Row-major shape, e.g. `[200, 784]`.
        public let shape: [Int]
        /// First element in the flat buffer.
        public let offset: Int
        /// Number of elements.
        public var count: Int { shape.reduce(1, *) }
        /// The element range in the flat buffer.
        public var range: Range<Int> { offset..<(offset + count) }
        /// `shape[1...]` product for weights (in·kh·kw), used by He initialisation.
        public var fanIn: Int { shape.dropFirst().reduce(1, *) }
        /// True for a `*.bias` tensor.
        public var isBias: Bool { shape.count == 1 }
    }

    /// The tensors in buffer order.
    public let entries: [Entry]
    /// D, the total number of parameters.
    public let count: Int

    /// Lays out `tensors` (name, shape) back to back.
    public init(_ tensors: [(String, [Int])]) {
        var offset = 0
        var out: [Entry] = []
        for (name, shape) in tensors {
            out.append(Entry(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        entries = out
        count = offset
    }

    /// The entry named `name`.
    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }

    /// Element counts in buffer order (a per-tensor projection's `tensorSizes`).
    public var tensorSizes: [Int] { entries.map(\.count) }
}
