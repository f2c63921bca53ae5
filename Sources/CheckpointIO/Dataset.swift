/// A labelled classification dataset held in memory: `count` examples of
/// `features` values each, with integer labels in `0..<classCount`.
///
/// Layout: ``inputs`` is row-major `count × features` Float32; an image is
/// flattened row-major (for MNIST, pixel (r, c) of example i is at
/// `i·784 + r·28 + c`). Scaling: unsigned-byte pixels (IDX type 0x08, `.npz`
/// `uint8`) are divided by 255 into [0, 1]; float arrays are taken as they
/// are. No other normalisation is applied, so a checkpoint trained here
/// reproduces its accuracy in NumPy or PyTorch on `pixels / 255`.
public struct Dataset: Sendable {
    /// A short name for reports (`mnist-train`, `digits.npz`, …).
    public let name: String
    /// The number of examples.
    public let count: Int
    /// Values per example (784 for MNIST).
    public let features: Int
    /// The shape of one example as stored (`[28, 28]` for MNIST; `[f]` for flat data).
    public let exampleShape: [Int]
    /// `count × features`, row-major.
    public let inputs: [Float]
    /// `count` labels, each in `0..<classCount`.
    public let labels: [Int32]

    /// A dataset from row-major inputs and labels.
    ///
    /// - Precondition: `inputs.count == labels.count · features`.
    public init(name: String, exampleShape: [Int], inputs: [Float], labels: [Int32]) {
        let f = exampleShape.reduce(1, *)
        precondition(f > 0 && inputs.count == labels.count * f, "Dataset: \(inputs.count) inputs do not fill \(labels.count) × \(f)")
        self.name = name
        self.count = labels.count
        self.features = f
        self.exampleShape = exampleShape
        self.inputs = inputs
        self.labels = labels
    }

    /// One more than the largest label (0 for an empty dataset).
    public var classCount: Int { Int(labels.max() ?? -1) + 1 }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int], name: String? = nil) -> Dataset {
        var x = [Float](); x.reserveCapacity(indices.count * features)
        var y = [Int32](); y.reserveCapacity(indices.count)
        for i in indices {
            x.append(contentsOf: inputs[(i * features)..<((i + 1) * features)])
            y.append(labels[i])
        }
        return Dataset(name: name ?? self.name, exampleShape: exampleShape, inputs: x, labels: y)
    }

    /// The first `n` examples (all of them when `n ≥ count`).
    public func prefix(_ n: Int) -> Dataset {
        n >= count ? self : subset(Array(0..<n), name: name)
    }
}
