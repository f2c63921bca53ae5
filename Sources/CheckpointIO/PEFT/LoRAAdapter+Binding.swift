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
    ///
    /// **Linear or Conv1D, per module.** PEFT decides `fan_in_fan_out` per
    /// module from its class (True for GPT-2's `Conv1D`, False for `nn.Linear`,
    /// whatever the config says), and the config it saves holds whatever the
    /// last module made it. So a 2-D module's layout is decided here: by the
    /// base weight's shape when the module is rectangular ([out, in] Linear,
    /// [in, out] Conv1D), and for a square module by the nearest modules of
    /// known layout, else the config (the rule and its limits: ``LoRALayoutRule``;
    /// the decision in ``BoundLoRAModule/layoutNote``).
    public func bind(to checkpoint: Checkpoint, prefixMap: [(old: String, new: String)] = []) throws(CheckpointError) -> [BoundLoRAModule] {
        var found: [(module: LoRAModule, base: TensorDescriptor, notes: [String])] = []
        for m in modules {
            var path = m.path
            var notes: [String] = []
            if let (old, new) = prefixMap.first(where: { m.path.hasPrefix($0.old) }) {
                path = new + m.path.dropFirst(old.count)
                notes.append("--prefix-map \(old)=\(new)")
            }
            let (base, note) = try Self.findBase(path + ".weight", in: checkpoint, key: m.a.name, file: weightsPath,
                                                 what: "module '\(m.path)'")
            if let note { notes.append(note) }
            guard base.dtype.isReadableReal else {
                throw CheckpointError(.invalidAdapter, path: weightsPath, tensor: m.a.name,
                                      "module '\(m.path)': base tensor '\(base.name)' has dtype \(base.dtype.rawValue), not a float dtype")
            }
            found.append((m, base, notes))
        }
        // Linear or Conv1D per 2-D module (LoRALayoutRule): rectangular ones by the base's shape first,
        // as they are the witnesses for square ones.
        let isMatrix = { (m: LoRAModule) in m.kind == .linear || m.kind == .conv1D }
        var kinds: [LoRAModule.Kind?] = found.map { f in
            guard isMatrix(f.module) else { return f.module.kind }
            let fits = LoRALayoutRule.fitting(f.module, f.base.shape)
            return fits.count == 1 ? fits[0] : nil
        }
        var layoutNotes = [String?](repeating: nil, count: found.count)
        var witnesses: [LoRALayoutRule.Witness]? = nil
        for i in found.indices where isMatrix(found[i].module) && LoRALayoutRule.fitting(found[i].module, found[i].base.shape).count == 2 {
            if witnesses == nil {
                let own = found.indices.compactMap { j -> LoRALayoutRule.Witness? in
                    guard isMatrix(found[j].module), let k = kinds[j] else { return nil }
                    let stem = found[j].base.name.hasSuffix(".weight") ? String(found[j].base.name.dropLast(".weight".count)) : found[j].base.name
                    return .init(stem: stem.split(separator: "."), kind: k, name: "adapted '\(found[j].base.name)' \(found[j].base.shape)")
                }
                let ownStems = Set(own.map { $0.stem.joined(separator: ".") })
                witnesses = own + LoRALayoutRule.baseWitnesses(checkpoint).filter { !ownStems.contains($0.stem.joined(separator: ".")) }
            }
            let (kind, note) = LoRALayoutRule.square(baseName: found[i].base.name, witnesses: witnesses!, fanInFanOut: config.fanInFanOut)
            kinds[i] = kind
            layoutNotes[i] = note
        }
        var bound: [BoundLoRAModule] = []
        for (i, f) in found.enumerated() {
            let m = f.module.with(kind: kinds[i] ?? f.module.kind), base = f.base
            guard base.shape == m.expectedBaseShape else {
                let need: String
                if isMatrix(m) {
                    need = "\([m.outFeatures, m.inFeatures]) (Linear, stored out × in) or \([m.inFeatures, m.outFeatures]) (GPT-2 Conv1D, stored in × out)"
                } else {
                    need = "\(m.expectedBaseShape)" + (m.kind == .embedding ? " (embedding: stored num × dim)" : "")
                }
                throw CheckpointError(.invalidAdapter, path: weightsPath, tensor: m.a.name,
                                      "module '\(m.path)': factor shapes \(m.a.shape) and \(m.b.shape) need a base shape \(need), but '\(base.name)' in \(base.path) has shape \(base.shape)")
            }
            bound.append(BoundLoRAModule(module: m, base: base, matchNote: f.notes.isEmpty ? nil : f.notes.joined(separator: "; "),
                                         layoutNote: layoutNotes[i]))
        }
        return bound
    }

    /// Finds each of ``fullTensors`` in `checkpoint` (by ``LoRAFullTensor/target``,
    /// after `prefixMap`, with the suffix rule of ``bind(to:prefixMap:)``) and
    /// checks it has the base tensor's shape and dtype.
    ///
    /// - Throws: ``CheckpointError/Code/unsupportedAdapter`` for a tensor of a
    ///   kind that is not applied (``LoRAFullTensor/Role/unsupported(_:)``);
    ///   ``CheckpointError/Code/missingTensor`` when its target is not in the
    ///   base; ``CheckpointError/Code/ambiguousTensor``;
    ///   ``CheckpointError/Code/invalidAdapter`` for a shape or dtype that
    ///   differs from the base tensor's — each naming the adapter file and key.
    public func bindFullTensors(to checkpoint: Checkpoint, prefixMap: [(old: String, new: String)] = []) throws(CheckpointError) -> [BoundLoRAFullTensor] {
        var bound: [BoundLoRAFullTensor] = []
        for f in fullTensors {
            if case let .unsupported(reason) = f.role {
                throw CheckpointError(.unsupportedAdapter, path: weightsPath, tensor: f.key, "is \(reason); merging without it would not give PEFT's merge_and_unload()")
            }
            var name = f.target
            var notes: [String] = []
            if let (old, new) = prefixMap.first(where: { name.hasPrefix($0.old) }) {
                name = new + name.dropFirst(old.count)
                notes.append("--prefix-map \(old)=\(new)")
            }
            let (base, note) = try Self.findBase(name, in: checkpoint, key: f.key, file: weightsPath, what: "full tensor")
            if let note { notes.append(note) }
            let what: String
            let fits: Bool
            switch f.role {
            case let .trainableTokens(rows):
                what = "trainable token rows \(rows)"
                fits = base.shape.count == 2 && f.tensor.shape == [rows.count, base.shape[1]] && rows.allSatisfy { $0 < base.shape[0] }
            default:
                what = f.role == .bias ? "bias" : "modules_to_save copy"
                fits = base.shape == f.tensor.shape
            }
            guard fits, base.dtype == f.tensor.dtype else {
                throw CheckpointError(.invalidAdapter, path: weightsPath, tensor: f.key,
                                      "full tensor (\(what)) has shape \(f.tensor.shape) \(f.tensor.dtype.rawValue), which does not fit the base tensor '\(base.name)' in \(base.path), \(base.shape) \(base.dtype.rawValue)")
            }
            bound.append(BoundLoRAFullTensor(full: f, base: base, matchNote: notes.isEmpty ? nil : notes.joined(separator: "; ")))
        }
        return bound
    }

    /// The base tensor `exact`, or the unique one matching it at a dot boundary
    /// (a base name ending in `.<exact>`, or `exact` ending in `.<base name>`
    /// with the same last component), with a note when matched by suffix.
    private static func findBase(_ exact: String, in checkpoint: Checkpoint, key: String, file: String,
                                 what: String) throws(CheckpointError) -> (TensorDescriptor, String?) {
        if let t = checkpoint[exact] { return (t, nil) }
        let leaf = "." + (exact.split(separator: ".").last.map(String.init) ?? exact)
        let stemOf = { (n: String) in String(n.dropLast(leaf.count)) }
        let path = stemOf(exact)
        let candidates = checkpoint.tensors.filter { t in
            guard t.name.hasSuffix(leaf) else { return false }
            return t.name.hasSuffix("." + exact) || path.hasSuffix("." + stemOf(t.name))
        }
        guard !candidates.isEmpty else {
            throw CheckpointError(.missingTensor, path: file, tensor: key,
                                  "\(what): its base tensor '\(exact)' is not in the base checkpoint \(checkpoint.path) (nor any tensor matching it at a dot boundary; --prefix-map OLD=NEW renames)")
        }
        guard candidates.count == 1 else {
            throw CheckpointError(.ambiguousTensor, path: file, tensor: key,
                                  "\(what): several base tensors match: \(candidates.map(\.name).joined(separator: ", ")); choose with --prefix-map OLD=NEW")
        }
        return (candidates[0], "matched '\(candidates[0].name)' by suffix")
    }
}
