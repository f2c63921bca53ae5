import CheckpointIO

/// What an extraction recorded about one module, without its factors: one row
/// of `extract-lora`'s `extraction.csv`. See ``ExtractedLoRAModule`` for the
/// factors themselves.
public struct LoRAExtractionRow: Sendable, Hashable {
    /// A row from its fields.
    public init(tensor: String, module: String, kind: LoRAModule.Kind, rows: Int, cols: Int, kernel: [Int], rank: Int,
                retainedEnergy: Double, relativeError: Double, method: SpectrumMethod) {
        self.tensor = tensor
        self.module = module
        self.kind = kind
        self.rows = rows
        self.cols = cols
        self.kernel = kernel
        self.rank = rank
        self.retainedEnergy = retainedEnergy
        self.relativeError = relativeError
        self.method = method
    }

    /// The tuned/base tensor name (`<module>.weight`).
    public let tensor: String
    /// The module path written into the adapter.
    public let module: String
    /// The layout (see ``CheckpointIO/LoRAModule``).
    public let kind: LoRAModule.Kind
    /// ΔW's rows and columns in the out × in layout.
    public let rows: Int, cols: Int
    /// The stored kernel's trailing dimensions `[in, kh, kw]` for a convolution, else `[]`.
    public let kernel: [Int]
    /// The rank kept.
    public let rank: Int
    /// Σ_{i≤r} σᵢ² / ‖ΔW‖²_F.
    public let retainedEnergy: Double
    /// ‖ΔW − B·A‖_F / ‖ΔW‖_F.
    public let relativeError: Double
    /// How the factors were computed.
    public let method: SpectrumMethod

    /// The module's LoRA parameter count, rank × (rows + cols).
    public var parameters: Int { rank * (rows + cols) }
}
