/// Decides, per module, whether a 2-D LoRA module adapts an `nn.Linear`
/// (base stored out × in) or a GPT-2 `Conv1D` (base stored in × out), as PEFT
/// does from the module's class.
///
/// PEFT 0.21.2 (`peft/tuners/lora/layer.py`, `dispatch_default`) sets
/// `fan_in_fan_out` per module: True for `Conv1D` (warning and flipping the
/// config when it was False), False for `nn.Linear` (warning and flipping it
/// when it was True). The flip writes the one config object all modules share,
/// so the saved `adapter_config.json` holds whatever the *last* module made
/// it: a GPT-2 adapter of `c_attn` (Conv1D) and `score` (Linear) says
/// `"fan_in_fan_out": false`. The file does not record module classes, so:
///
/// 1. **Rectangular modules** (out ≠ in): the base weight's shape decides —
///    [out, in] is Linear, [in, out] is Conv1D. Exact.
/// 2. **Square modules** (out = in, e.g. GPT-2's `attn.c_proj`): the shape
///    fits both. The layout is taken from the nearest *witnesses*: modules
///    whose class is known, sharing the longest dotted prefix (at least one
///    component) with the module's base tensor name. Witnesses are the
///    adapter's rectangular modules (by rule 1) and the base's rectangular
///    `<m>.weight` tensors with a `<m>.bias` (a Linear bias has out = shape[0]
///    entries, a Conv1D bias shape[1]). A square `attn.c_proj` thus follows its
///    sibling `attn.c_attn`. When the nearest witnesses disagree or there are
///    none, the config's `fan_in_fan_out` decides (right for an adapter whose
///    modules are all of one class, which PEFT then saves consistently).
///
/// Module names are not used: `c_attn`/`c_proj`/`c_fc` are Conv1D in GPT-2 but
/// `nn.Linear` in GPT-BigCode and Qwen. A square module with no witness in an
/// adapter that mixes classes (e.g. only `attn.c_proj` and `score` targeted,
/// in a base without biases) can still be misread; the note says which rule
/// decided.
enum LoRALayoutRule {
    /// A module or base tensor whose layout is known.
    struct Witness {
        let stem: [Substring]
        let kind: LoRAModule.Kind
        let name: String
    }

    /// The layouts of the 2-D module `m` that fit a base tensor of `shape`.
    static func fitting(_ m: LoRAModule, _ shape: [Int]) -> [LoRAModule.Kind] {
        var kinds: [LoRAModule.Kind] = []
        if shape == [m.outFeatures, m.inFeatures] { kinds.append(.linear) }
        if shape == [m.inFeatures, m.outFeatures] { kinds.append(.conv1D) }
        return kinds
    }

    /// The base's rectangular `<m>.weight` tensors whose `<m>.bias` says the layout.
    static func baseWitnesses(_ checkpoint: Checkpoint) -> [Witness] {
        checkpoint.tensors.compactMap { t in
            guard t.name.hasSuffix(".weight"), t.shape.count == 2, t.shape[0] != t.shape[1] else { return nil }
            let stem = String(t.name.dropLast(".weight".count))
            guard let bias = checkpoint[stem + ".bias"], bias.shape.count == 1 else { return nil }
            let kind: LoRAModule.Kind
            switch bias.shape[0] {
            case t.shape[0]: kind = .linear
            case t.shape[1]: kind = .conv1D
            default: return nil
            }
            return Witness(stem: stem.split(separator: "."), kind: kind, name: "\(t.name) \(t.shape) with bias \(bias.shape)")
        }
    }

    /// The layout of a square module whose base tensor is `baseName`, from
    /// `witnesses` or else `fanInFanOut`, and a sentence saying which decided.
    static func square(baseName: String, witnesses: [Witness], fanInFanOut: Bool) -> (LoRAModule.Kind, String) {
        let stem = String(baseName.hasSuffix(".weight") ? baseName.dropLast(".weight".count) : Substring(baseName)).split(separator: ".")
        func shared(_ w: Witness) -> Int { zip(stem, w.stem).prefix { $0 == $1 }.count }
        let best = witnesses.map(shared).max() ?? 0
        let nearest = witnesses.filter { shared($0) == best }
        let fallback: LoRAModule.Kind = fanInFanOut ? .conv1D : .linear
        if best >= 1, let kind = nearest.first?.kind, nearest.allSatisfy({ $0.kind == kind }) {
            return (kind, "square, so the layout (\(kind.rawValue)) is that of the nearest module of known layout: \(nearest[0].name)")
        }
        let why = best >= 1 ? "the nearest modules of known layout disagree" : "no module of known layout shares its path"
        return (fallback, "square and \(why), so the layout (\(fallback.rawValue)) is the config's fan_in_fan_out (\(fanInFanOut))")
    }
}
