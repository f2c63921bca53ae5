import LinearAlgebra

/// One adapted module of a PEFT LoRA adapter: its factors, rank, α and scaling,
/// and how its update maps onto the stored base weight.
///
/// Every update is expressed in the **out × in layout of a PyTorch Linear**, so
/// "left" (rows) is always the output space:
///
/// | kind | lora_A | lora_B | ΔW (out × in) | stored base weight |
/// |---|---|---|---|---|
/// | ``Kind/linear`` | r × in | out × r | s·B·A | out × in |
/// | ``Kind/conv1D`` (`fan_in_fan_out`) | r × in | out × r | s·B·A | in × out (ΔW_stored = ΔWᵀ) |
/// | ``Kind/embedding`` | `lora_embedding_A` r × num | `lora_embedding_B` dim × r | s·B·A (dim × num) | num × dim (ΔW_stored = ΔWᵀ) |
/// | ``Kind/convolution`` | r × in × kh × kw | out × r × 1 × 1 | s·B·A, out × (in·kh·kw) | out × in × kh × kw (reshaped) |
public struct LoRAModule: Sendable {
    /// How the module's weight is laid out (see the type's table).
    public enum Kind: String, Sendable, Codable {
        /// `linear`: `nn.Linear`, base stored out × in; `conv1d`: GPT-2's `Conv1D`
        /// (`fan_in_fan_out`), base stored in × out; `embedding`: `nn.Embedding`,
        /// base stored num × dim; `convolution`: `nn.Conv2d`, base stored
        /// out × in × kh × kw and analysed as out × (in·kh·kw).
        case linear, conv1D = "conv1d", embedding, convolution

        /// Whether the stored base weight is the transpose of the out × in layout.
        public var storesTransposed: Bool { self == .conv1D || self == .embedding }
    }

    /// The module path, without PEFT's `base_model.model.` prefix (e.g. `encoder.layer.0.attention.self.query`).
    public let path: String
    /// The layout. For a 2-D module of ``LoRAAdapter/modules`` this is the
    /// config's `fan_in_fan_out` (``Kind/conv1D`` or ``Kind/linear``);
    /// ``LoRAAdapter/bind(to:prefixMap:)`` decides it per module from the base,
    /// as PEFT does from the module's class (see ``BoundLoRAModule/module``).
    public let kind: Kind
    /// `lora_A` (or `lora_embedding_A`).
    public let a: TensorDescriptor
    /// `lora_B` (or `lora_embedding_B`).
    public let b: TensorDescriptor
    /// r for this module (after `rank_pattern`).
    public let rank: Int
    /// α for this module (after `alpha_pattern`).
    public let alpha: Double
    /// s = α/r, or α/√r with rsLoRA.
    public let scaling: Double

    /// Rows of ΔW in the out × in layout.
    public var outFeatures: Int { b.shape[0] }
    /// Columns of ΔW in the out × in layout (in·kh·kw for a convolution).
    public var inFeatures: Int { a.shape.dropFirst().reduce(1, *) }
    /// The shape the base weight must have as stored.
    public var expectedBaseShape: [Int] {
        switch kind {
        case .linear: return [outFeatures, inFeatures]
        case .conv1D, .embedding: return [inFeatures, outFeatures]
        case .convolution: return [outFeatures] + Array(a.shape.dropFirst())
        }
    }

    internal init(path: String, kind: Kind, a: TensorDescriptor, b: TensorDescriptor, rank: Int, alpha: Double, scaling: Double) {
        self.path = path
        self.kind = kind
        self.a = a
        self.b = b
        self.rank = rank
        self.alpha = alpha
        self.scaling = scaling
    }

    /// The same module with the layout `kind`.
    internal func with(kind: Kind) -> LoRAModule {
        LoRAModule(path: path, kind: kind, a: a, b: b, rank: rank, alpha: alpha, scaling: scaling)
    }

    /// The factors as Float64 matrices: B (out × r) and A (r × in), unscaled.
    ///
    /// - Throws: ``CheckpointError/Code/nonFinite`` naming the file, the
    ///   factor's key and the element of a NaN or infinity.
    public func factors() throws -> (b: Matrix<Double>, a: Matrix<Double>) {
        (Matrix(rows: outFeatures, cols: rank, storage: try b.readDoubles()),
         Matrix(rows: rank, cols: inFeatures, storage: try a.readDoubles()))
    }

    /// ΔW = s·B·A in the out × in layout, Float64.
    public func update() throws -> Matrix<Double> {
        let (bm, am) = try factors()
        return try GEMM.multiply(bm, am, alpha: scaling)
    }
}
