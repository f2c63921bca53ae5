extension LoRAAdapterConfig {
    /// How the reader treats a field of PEFT 0.21.2's `LoraConfig` (and
    /// `PeftConfig`) in `adapter_config.json`.
    enum FieldRule {
        /// Read and validated by ``LoRAAdapterConfig/init(path:)``.
        case read
        /// Accepted with any value: it does not change ΔW or which base tensor a key binds to
        /// (training-only settings, provenance, options consumed by an initialisation that is checked).
        case ignored
        /// Accepted only at its default (`null`, `false`, `[]` or `{}`): any other value selects a
        /// feature that changes ΔW or the binding and is not implemented; the text says what it is.
        case onlyDefault(String)
    }

    /// Every field of PEFT 0.21.2's `LoraConfig` and `PeftConfig` with its rule
    /// (an allow-list: a field not here is refused unless at its default).
    static let fieldRules: [String: FieldRule] = [
        // Read (validated where parsed).
        "r": .read, "lora_alpha": .read, "use_rslora": .read, "target_modules": .read, "rank_pattern": .read,
        "alpha_pattern": .read, "fan_in_fan_out": .read, "bias": .read, "modules_to_save": .read,
        "layers_to_transform": .read, "base_model_name_or_path": .read, "task_type": .read, "peft_type": .read,
        "use_dora": .read, "init_lora_weights": .read, "trainable_token_indices": .read,
        // No effect on ΔW = s·B·A or on the binding of the saved keys.
        "lora_dropout": .ignored, "inference_mode": .ignored, "revision": .ignored, "auto_mapping": .ignored,
        "peft_version": .ignored, "exclude_modules": .ignored, "layers_pattern": .ignored, "runtime_config": .ignored,
        "megatron_core": .ignored, "qalora_group_size": .ignored,
        // Consumed only by their init_lora_weights value, which is checked on its own.
        "eva_config": .ignored, "corda_config": .ignored, "lora_ga_config": .ignored, "loftq_config": .ignored,
        // Features that change ΔW or the binding, not implemented.
        "layer_replication": .onlyDefault("layer replication builds a deeper model whose repeated layers share base weights, so the adapter's layer indices do not name base tensors"),
        "alora_invocation_tokens": .onlyDefault("an activated LoRA (aLoRA) applies its update only after the invocation tokens, so it is not a weight update W₀ + s·B·A"),
        "target_parameters": .onlyDefault("LoRA on bare nn.Parameters (e.g. fused expert weights) is bound and shaped differently from module weights"),
        "lora_bias": .onlyDefault("a lora_B bias adds a trained bias term to ΔW (lora_B.bias keys), which is not implemented"),
        "megatron_config": .onlyDefault("Megatron tensor-parallel LoRA layers hold sharded factors"),
        "use_qalora": .onlyDefault("QA-LoRA pools the input in groups, so ΔW is not s·B·A"),
        "use_bdlora": .onlyDefault("block-diagonal LoRA factors are laid out differently"),
        "arrow_config": .onlyDefault("Arrow routes among several LoRA experts per input, so there is no single ΔW"),
        "kasa_config": .onlyDefault("KaSA adapts singular values of the base weight, so ΔW is not s·B·A"),
        "velora_config": .onlyDefault("VeLoRA's effect on the update is not implemented"),
        "monteclora_config": .onlyDefault("MonteCLoRA's stochastic mixture of factors is not a single s·B·A"),
        "ensure_weight_tying": .onlyDefault("tied LoRA adapters of tied embedding and output layers are saved and bound differently"),
    ]

    /// `init_lora_weights` strings that leave the base weights as stored, so that the merged weights
    /// are W₀ + s·B·A (besides `true` and `false`): Gaussian A, EVA's data-driven A, orthogonal
    /// A and B, MiCA's frozen B.
    public static let implementedInitialisations = ["gaussian", "eva", "orthogonal", "mica"]

    /// Whether `v` is a field's default-like value (`null`, `false`, `[]`, `{}`).
    static func isDefaultLike(_ v: JSONValue) -> Bool {
        switch v {
        case .null, .bool(false): return true
        case let .array(items): return items.isEmpty
        case let .object(pairs): return pairs.isEmpty
        default: return false
        }
    }

    /// Refuses a field that selects an unimplemented feature, or an unknown field with a non-default value.
    static func checkFields(_ members: [(String, JSONValue)], path: String) throws(CheckpointError) {
        for (name, value) in members where !isDefaultLike(value) {
            switch fieldRules[name] {
            case .read?, .ignored?: continue
            case let .onlyDefault(why)?:
                throw CheckpointError(.unsupportedAdapter, path: path, "field '\(name)' is \(value.display): \(why)")
            case nil:
                throw CheckpointError(.unsupportedAdapter, path: path,
                                      "field '\(name)' is \(value.display), and it is not a field of PEFT 0.21.2's LoraConfig this reader knows to leave ΔW = s·B·A and the binding unchanged")
            }
        }
    }
}
