/// The modules an extraction produced and the tensors it left out.
public struct LoRAExtractionResult: Sendable {
    /// The extracted modules, sorted by tensor name.
    public let modules: [ExtractedLoRAModule]
    /// Tensors not extracted, with the reason (vectors, zero updates, non-real
    /// dtypes, names on one side only).
    public let notExtracted: [SkippedTensor]
    /// Wall time in seconds.
    public let seconds: Double
}
