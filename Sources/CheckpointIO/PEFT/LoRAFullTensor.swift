/// A full tensor a PEFT LoRA adapter file carries besides its LoRA factors,
/// which `merge_and_unload()` writes over the base's tensor.
///
/// PEFT 0.21.2 saves (observed, see `Tests/Fixtures/peft/README.md`):
///
/// | what | key in `adapter_model.safetensors` | base tensor merge_and_unload() writes |
/// |---|---|---|
/// | a `modules_to_save` copy (e.g. the head of a `task_type: "SEQ_CLS"` adapter) | `base_model.model.classifier.weight`, `….classifier.bias` | `classifier.weight`, `classifier.bias` |
/// | a bias with `bias: "all"` | `base_model.model.bert.pooler.dense.bias`, or `….query.base_layer.bias` for a LoRA-wrapped layer | `bert.pooler.dense.bias`, `….query.bias` |
/// | a bias with `bias: "lora_only"` | `….query.base_layer.bias` (LoRA-wrapped layers only) | `….query.bias` |
/// | `trainable_token_indices` rows (PEFT's TrainableTokens) | `….word_embeddings.token_adapter.trainable_tokens_delta` (indices × dim) | rows `trainable_token_indices` of `….word_embeddings.weight`, replaced (``Role/trainableTokens(rows:)``) |
///
/// ``target`` is the key without `base_model.model.`, without PEFT's wrapper
/// segments (`base_layer`, `modules_to_save.<adapter>`) and without an adapter
/// name segment (`.default`), which is the name `merge_and_unload()` gives the
/// tensor; for trainable tokens it is the embedding's `<module>.weight`.
public struct LoRAFullTensor: Sendable {
    /// Why the adapter carries the tensor.
    public enum Role: Sendable, Equatable {
        /// A trained copy of a module listed in `modules_to_save`: replaces the base's tensor.
        case modulesToSave
        /// A bias trained with `bias: "all"` or `"lora_only"`: replaces the base's bias.
        case bias
        /// New values of the rows `rows` of an embedding table (`trainable_token_indices`): the
        /// tensor is `rows.count` × dim, and row k replaces row `rows[k]` of the base table, as
        /// PEFT's `index_copy` merge does (a replacement, though PEFT calls it a delta).
        case trainableTokens(rows: [Int])
        /// A tensor this toolkit does not apply (the reason says what it is); `merge` refuses it.
        case unsupported(String)
    }

    /// The key as stored in `adapter_model.safetensors`.
    public var key: String { tensor.name }
    /// The stored tensor.
    public let tensor: TensorDescriptor
    /// Why it is there.
    public let role: Role
    /// The base tensor it replaces, as `merge_and_unload()` names it (see the type's table).
    public let target: String

    /// Classifies the non-LoRA tensor `tensor` of an adapter with `config`.
    internal init(_ tensor: TensorDescriptor, config: LoRAAdapterConfig) {
        self.tensor = tensor
        let stripped = tensor.name.hasPrefix(LoRAAdapter.keyPrefix) ? String(tensor.name.dropFirst(LoRAAdapter.keyPrefix.count)) : tensor.name
        var parts = stripped.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if let i = parts.firstIndex(of: "modules_to_save") {  // an unstripped ModulesToSaveWrapper key: drop it and its adapter name
            parts.removeSubrange(i..<min(parts.count, i + 2))
        }
        parts.removeAll { $0 == "base_layer" || $0 == "default" }
        var target = parts.joined(separator: ".")
        let role: Role
        let module = parts.dropLast().joined(separator: ".")
        if let i = parts.firstIndex(of: "token_adapter"), parts.last == "trainable_tokens_delta" {
            let embedding = parts[..<i].joined(separator: ".")
            target = embedding + ".weight"
            let entry = config.trainableTokenIndices.first { e in
                e.module.map { embedding == $0 || embedding.hasSuffix("." + $0) } ?? true
            }
            if let entry {
                role = .trainableTokens(rows: entry.indices)
            } else {
                role = .unsupported("trainable token rows of '\(embedding)' (PEFT's TrainableTokens), but the config's trainable_token_indices gives no rows for that module")
            }
        } else if parts.contains("token_adapter") || parts.last == "trainable_tokens_delta" {
            role = .unsupported("a TrainableTokens tensor of an unknown form (expected <module>.token_adapter.trainable_tokens_delta)")
        } else if config.modulesToSave.contains(where: { module == $0 || module.hasSuffix("." + $0) }) {
            role = .modulesToSave
        } else if parts.last == "bias" && (config.bias == "all" || config.bias == "lora_only") {
            role = .bias
        } else {
            role = .unsupported("a full tensor that is neither a LoRA factor, a modules_to_save copy (\(config.modulesToSave)) nor a bias of bias \"all\"/\"lora_only\" (bias is \"\(config.bias)\")")
        }
        self.target = target
        self.role = role
    }
}
