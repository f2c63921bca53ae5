import LinearAlgebra

/// An adapter module together with the base-checkpoint tensor it adapts.
public struct BoundLoRAModule: Sendable {
    /// The adapter's module, its ``LoRAModule/kind`` decided for this base:
    /// a 2-D module is ``LoRAModule/Kind/linear`` or ``LoRAModule/Kind/conv1D``
    /// per module, as PEFT decides it (see ``LoRAAdapter/bind(to:prefixMap:)``).
    public let module: LoRAModule
    /// The base weight, as stored.
    public let base: TensorDescriptor
    /// How `base` was found: `nil` when it is `<module>.weight` exactly, else a
    /// sentence saying which rule matched (suffix match or `--prefix-map`).
    public let matchNote: String?

    /// How a square 2-D module's layout was decided (its shape fits both
    /// Linear and Conv1D), else `nil`.
    public let layoutNote: String?

    /// The base tensor's name as stored.
    public var tensor: String { base.name }

    /// A stored tensor of the base's shape as a Float64 matrix in the module's
    /// out × in layout: transposed for ``LoRAModule/Kind/conv1D`` and
    /// ``LoRAModule/Kind/embedding``, a convolution kernel as out × (in·kh·kw).
    ///
    /// - Throws: ``CheckpointError/Code/nonFinite`` and the decoder's errors.
    public func outInMatrix(_ stored: TensorDescriptor) throws -> Matrix<Double> {
        let rows = stored.shape[0], cols = stored.shape.dropFirst().reduce(1, *)
        let m = Matrix(rows: rows, cols: cols, storage: try stored.readDoubles())
        return module.kind.storesTransposed ? m.transposed() : m
    }

    /// The inverse of ``outInMatrix(_:)``: an out × in matrix as the stored
    /// tensor's C-order values.
    public func storedValues(_ outIn: Matrix<Double>) -> [Double] {
        module.kind.storesTransposed ? outIn.transposed().storage : outIn.storage
    }
}
