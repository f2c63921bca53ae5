/// The relative update of a 0-D or 1-D tensor (biases, norms), which has no
/// spectrum.
public struct VectorUpdateResult: Sendable, Equatable {
    /// The tensor's name.
    public let tensor: String
    /// The element count.
    public let length: Int
    /// The dtype label (``TensorPair/dtypeLabel``).
    public let dtype: String
    /// ‖Δ‖₂.
    public let frobeniusNorm: Double
    /// ‖Δ‖₂ / ‖base‖₂ (0 when Δ = 0; +∞ when only the base is zero).
    public let relativeUpdate: Double

    /// A result from its parts.
    public init(tensor: String, length: Int, dtype: String, frobeniusNorm: Double, relativeUpdate: Double) {
        self.tensor = tensor
        self.length = length
        self.dtype = dtype
        self.frobeniusNorm = frobeniusNorm
        self.relativeUpdate = relativeUpdate
    }
}
