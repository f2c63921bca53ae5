extension LoRAAdapter {
    /// Finds each module's base tensor in `checkpoint` and checks its shape.
    ///
    /// The module path (after `prefixMap`: the first `(old, new)` whose `old`
    /// starts the path replaces it) names `<module>.weight`. When the base
    /// names its tensors with another prefix — a `BertModel` saved without
    /// `bert.`, a model saved inside a wrapper — a unique match at a dot
    /// boundary is used instead: a base name ending in `.<module>.weight`, or a
    /// module path ending in `.<base name without .weight>`; the match is noted
    /// in ``BoundLoRAModule/matchNote``.
    ///
    /// - Throws: ``CheckpointError/Code/missingTensor`` for a module with no
    ///   base tensor; ``CheckpointError/Code/ambiguousTensor`` naming the
    ///   candidates; ``CheckpointError/Code/invalidAdapter`` when the base
    ///   tensor's shape does not fit the factors — each naming the adapter file
    ///   and the module.
    public func bind(to checkpoint: Checkpoint, prefixMap: [(old: String, new: String)] = []) throws(CheckpointError) -> [BoundLoRAModule] {
        var bound: [BoundLoRAModule] = []
        for m in modules {
            var path = m.path
            var notes: [String] = []
            if let (old, new) = prefixMap.first(where: { m.path.hasPrefix($0.old) }) {
                path = new + m.path.dropFirst(old.count)
                notes.append("--prefix-map \(old)=\(new)")
            }
            let exact = path + ".weight"
            let base: TensorDescriptor
            if let t = checkpoint[exact] {
                base = t
            } else {
                let candidates = checkpoint.tensors.filter { t in
                    guard t.name.hasSuffix(".weight") else { return false }
                    let stem = String(t.name.dropLast(".weight".count))
                    return t.name.hasSuffix("." + exact) || path.hasSuffix("." + stem)
                }
                guard !candidates.isEmpty else {
                    throw CheckpointError(.missingTensor, path: weightsPath, tensor: m.a.name,
                                          "module '\(m.path)': its base tensor '\(exact)' is not in the base checkpoint \(checkpoint.path) (nor any tensor matching it at a dot boundary; --prefix-map OLD=NEW renames)")
                }
                guard candidates.count == 1 else {
                    throw CheckpointError(.ambiguousTensor, path: weightsPath, tensor: m.a.name,
                                          "module '\(m.path)': several base tensors match: \(candidates.map(\.name).joined(separator: ", ")); choose with --prefix-map OLD=NEW")
                }
                base = candidates[0]
                notes.append("matched '\(base.name)' by suffix")
            }
            guard base.dtype.isReadableReal else {
                throw CheckpointError(.invalidAdapter, path: weightsPath, tensor: m.a.name,
                                      "module '\(m.path)': base tensor '\(base.name)' has dtype \(base.dtype.rawValue), not a float dtype")
            }
            guard base.shape == m.expectedBaseShape else {
                let layout = m.kind == .conv1D ? " (fan_in_fan_out: stored in × out)" : m.kind == .embedding ? " (embedding: stored num × dim)" : ""
                throw CheckpointError(.invalidAdapter, path: weightsPath, tensor: m.a.name,
                                      "module '\(m.path)': factor shapes \(m.a.shape) and \(m.b.shape) need a base shape \(m.expectedBaseShape)\(layout), but '\(base.name)' in \(base.path) has shape \(base.shape)")
            }
            bound.append(BoundLoRAModule(module: m, base: base, matchNote: notes.isEmpty ? nil : notes.joined(separator: "; ")))
        }
        return bound
    }
}
