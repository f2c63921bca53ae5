/// A full tensor of an adapter (``LoRAFullTensor``) together with the base
/// tensor it replaces, checked to have the same shape and dtype.
public struct BoundLoRAFullTensor: Sendable {
    /// The adapter's tensor.
    public let full: LoRAFullTensor
    /// The base tensor it replaces, as stored.
    public let base: TensorDescriptor
    /// How `base` was found: `nil` when it is ``LoRAFullTensor/target`` exactly,
    /// else the rule that matched (suffix match or `--prefix-map`).
    public let matchNote: String?

    /// The base tensor's name as stored.
    public var tensor: String { base.name }
}
