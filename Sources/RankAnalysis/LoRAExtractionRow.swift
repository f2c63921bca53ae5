import CheckpointIO

/// What an extraction recorded about one module, without its factors: one row
/// of `extract-lora`'s `extraction.csv`. See ``ExtractedLoRAModule`` for the
/// factors themselves.
public struct LoRAExtractionRow: Sendable, Hashable {
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

extension ExtractedLoRAModule {
    /// This module's row (everything but the factors).
    public var row: LoRAExtractionRow {
        LoRAExtractionRow(tensor: tensor, module: module, kind: kind, rows: rows, cols: cols, kernel: kernel, rank: rank,
                          retainedEnergy: retainedEnergy, relativeError: relativeError, method: method)
    }
}
