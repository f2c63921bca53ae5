import CheckpointIO

/// The modules an extraction produced and the tensors it left out.
public struct LoRAExtractionResult: Sendable {
    /// The extracted modules with their factors, sorted by tensor name; empty
    /// when ``LoRAExtractor/run(_:options:progress:consume:)`` handed each
    /// module's factors on instead of keeping them (``rows`` has the modules then).
    public let modules: [ExtractedLoRAModule]
    /// One row per extracted module (everything but the factors), sorted by tensor name.
    public let rows: [LoRAExtractionRow]
    /// Tensors not extracted, with the reason (vectors, zero updates, non-real
    /// dtypes, names on one side only).
    public let notExtracted: [SkippedTensor]
    /// The tuned checkpoint's new head (``TensorPairing/headOnly`` when the tuned
    /// side carries the head-model prefix, e.g. `classifier.weight`, `classifier.bias`),
    /// sorted by name: tensors with no base counterpart, to be saved whole as PEFT's
    /// `modules_to_save` so that the merged model has them exactly. Empty otherwise.
    public let newHead: [TensorDescriptor]
    /// Wall time in seconds.
    public let seconds: Double

    /// The modules of ``newHead``: each name without its last component
    /// (`classifier.weight` → `classifier`), sorted, without repeats.
    public var newHeadModules: [String] {
        Array(Set(newHead.map { n in n.name.split(separator: ".").dropLast().joined(separator: ".") })).filter { !$0.isEmpty }.sorted()
    }

    /// A result; `rows` are those of `modules` unless given.
    public init(modules: [ExtractedLoRAModule], rows: [LoRAExtractionRow]? = nil, notExtracted: [SkippedTensor],
                newHead: [TensorDescriptor] = [], seconds: Double) {
        self.modules = modules
        self.rows = rows ?? modules.map(\.row)
        self.notExtracted = notExtracted
        self.newHead = newHead
        self.seconds = seconds
    }
}
