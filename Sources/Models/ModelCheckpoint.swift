import CheckpointIO

/// Reads and writes a model's θ_D as a checkpoint with PyTorch names and
/// layouts (see ``ParameterLayout``), e.g. `model.safetensors`.
public enum ModelCheckpoint {
    /// θ_D from the checkpoint at `path` (any layout ``CheckpointIO/Checkpoint/open(_:)``
    /// reads, any real dtype, converted to Float32).
    ///
    /// Every tensor of `layout` must be present with its exact shape;
    /// extra tensors are an error too (they would mean another model).
    ///
    /// - Throws: ``ModelError`` with code ``ModelError/Code/checkpointMismatch`` naming
    ///   the missing, extra or misshapen tensor, or the ``CheckpointIO/CheckpointError``
    ///   of an unreadable file or non-finite value.
    public static func load(_ path: String, layout: ParameterLayout) throws -> [Float] {
        let checkpoint = try Checkpoint.open(path)
        var theta = [Float](repeating: 0, count: layout.count)
        for e in layout.entries {
            guard let t = checkpoint[e.name] else {
                throw ModelError(.checkpointMismatch, path: path, tensor: e.name,
                    "missing; the model needs \(layout.entries.map(\.name).joined(separator: ", "))")
            }
            guard t.shape == e.shape else {
                throw ModelError(.checkpointMismatch, path: path, tensor: e.name, "has shape \(t.shape), the model needs \(e.shape)")
            }
            guard t.dtype.isReadableReal else {
                throw ModelError(.checkpointMismatch, path: path, tensor: e.name, "has dtype \(t.dtype.rawValue), not a real float")
            }
            try t.decode { first, values in
                for k in 0..<values.count { theta[e.offset + first + k] = Float(values[k]) }
            }
        }
        let known = Set(layout.entries.map(\.name))
        if let extra = checkpoint.tensors.map(\.name).sorted().first(where: { !known.contains($0) }) {
            throw ModelError(.checkpointMismatch, path: path, tensor: extra, "is not a tensor of this model (it has \(layout.entries.map(\.name).joined(separator: ", ")))")
        }
        return theta
    }

    /// The `.safetensors` bytes of θ_D: one F32 tensor per layout entry, in
    /// layout order, with `metadata` in the header.
    ///
    /// - Throws: never in practice (every tensor is in memory); typed as
    ///   ``CheckpointIO/SafetensorsWriter/serialized()``.
    public static func serialize(_ theta: [Float], layout: ParameterLayout, metadata: [String: String] = [:]) throws(CheckpointError) -> [UInt8] {
        precondition(theta.count == layout.count, "ModelCheckpoint: \(theta.count) values for D = \(layout.count)")
        var w = SafetensorsWriter(metadata: metadata)
        for e in layout.entries {
            w.add(e.name, shape: e.shape, float32: Array(theta[e.offset..<(e.offset + e.count)]))
        }
        return try w.serialized()
    }
}
