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
    /// Wall time in seconds.
    public let seconds: Double

    /// A result; `rows` are those of `modules` unless given.
    public init(modules: [ExtractedLoRAModule], rows: [LoRAExtractionRow]? = nil, notExtracted: [SkippedTensor], seconds: Double) {
        self.modules = modules
        self.rows = rows ?? modules.map(\.row)
        self.notExtracted = notExtracted
        self.seconds = seconds
    }
}
