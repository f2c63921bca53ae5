import Foundation

/// A Hugging Face PEFT LoRA adapter folder, as `PeftModel.save_pretrained`
/// writes it: `adapter_config.json` and `adapter_model.safetensors`.
///
/// Keys are `base_model.model.<module>.lora_A.weight` (r × in) and
/// `….lora_B.weight` (out × r), or `….lora_embedding_A` / `….lora_embedding_B`
/// for an embedding; a key may carry an adapter name (`….lora_A.default.weight`).
/// See ``LoRAModule`` for the layouts and ``LoRAAdapterConfig`` for r, α and s.
///
/// Nothing is read beyond headers until a module's factors are asked for.
/// `adapter_model.bin` (a pickle) is refused and never unpickled.
public struct LoRAAdapter: Sendable {
    /// The folder.
    public let path: String
    /// `adapter_config.json`.
    public let config: LoRAAdapterConfig
    /// The path of `adapter_model.safetensors`.
    public let weightsPath: String
    /// The adapted modules, sorted by path.
    public let modules: [LoRAModule]
    /// Tensors of the file that are not LoRA factors (`modules_to_save` copies,
    /// biases with `bias: "all"`/`"lora_only"`, …), sorted by key: ``LoRAMerger``
    /// writes them over the base's tensors (or refuses an unsupported one);
    /// `compare` reports them as ignored.
    public let fullTensors: [LoRAFullTensor]
    /// The keys of ``fullTensors``.
    public var otherTensors: [String] { fullTensors.map(\.key) }

    /// The PEFT key prefix of every tensor.
    public static let keyPrefix = "base_model.model."

    /// Reads the adapter folder at `path`.
    ///
    /// - Throws: ``CheckpointError`` naming the file and module:
    ///   ``CheckpointError/Code/invalidAdapter`` for a missing or malformed
    ///   config, a factor without its partner, factors whose shapes disagree
    ///   with each other or with r (or its `rank_pattern`), an unknown LoRA key;
    ///   ``CheckpointError/Code/unsupportedAdapter`` for DoRA, a weight-changing
    ///   initialisation, a non-LoRA method, or `adapter_model.bin` only; and the
    ///   safetensors reader's errors.
    public init(path: String) throws(CheckpointError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError(.invalidAdapter, path: path, "is not an adapter folder (no such directory)")
        }
        let join = { (n: String) in (path as NSString).appendingPathComponent(n) }
        let weights = join("adapter_model.safetensors")
        let configPath = join("adapter_config.json")
        if !FileManager.default.fileExists(atPath: configPath) {
            throw CheckpointError(.invalidAdapter, path: configPath, "adapter config is missing: not a PEFT adapter folder")
        }
        let config = try LoRAAdapterConfig(path: configPath)
        if !FileManager.default.fileExists(atPath: weights) {
            let pickle = join("adapter_model.bin")
            if FileManager.default.fileExists(atPath: pickle) {
                throw CheckpointError(.unsupportedAdapter, path: pickle,
                                      "is a PyTorch pickle, which is never unpickled here; convert it to safetensors (in Python: safetensors.torch.save_file(torch.load(path, weights_only=True), 'adapter_model.safetensors'))")
            }
            throw CheckpointError(.invalidAdapter, path: weights, "adapter weights are missing (no adapter_model.safetensors)")
        }
        let file = try SafetensorsFile(path: weights)
        var factors: [String: (a: TensorDescriptor?, b: TensorDescriptor?, embedding: Bool)] = [:]
        var other: [LoRAFullTensor] = []
        for t in file.tensors {
            let stripped = t.name.hasPrefix(Self.keyPrefix) ? String(t.name.dropFirst(Self.keyPrefix.count)) : t.name
            let parts = stripped.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard let i = parts.lastIndex(where: { $0.hasPrefix("lora_") }), i > 0 else {
                other.append(LoRAFullTensor(t, config: config))
                continue
            }
            let module = parts[..<i].joined(separator: ".")
            let role = parts[i]
            let rest = Array(parts[(i + 1)...])
            func bad(_ detail: String) -> CheckpointError {
                CheckpointError(.invalidAdapter, path: weights, tensor: t.name, "module '\(module)': \(detail)")
            }
            switch role {
            case "lora_magnitude_vector":
                throw CheckpointError(.unsupportedAdapter, path: weights, tensor: t.name,
                                      "module '\(module)': a DoRA magnitude vector; a DoRA update rescales W₀ + s·B·A, so ΔW is not s·B·A")
            case "lora_B" where rest.last == "bias" && rest.count <= 2:
                throw CheckpointError(.unsupportedAdapter, path: weights, tensor: t.name,
                                      "module '\(module)': a lora_B bias, which PEFT saves for the config field 'lora_bias': true; ΔW then gains a trained bias term, which is not implemented")
            case "lora_A", "lora_B":
                guard rest.last == "weight", rest.count <= 2 else { throw bad("unrecognised LoRA key (expected ….\(role).weight)") }
            case "lora_embedding_A", "lora_embedding_B":
                guard rest.count <= 1 else { throw bad("unrecognised LoRA key (expected ….\(role))") }
            default:
                throw bad("unrecognised LoRA tensor '\(role)' (this reader knows lora_A, lora_B, lora_embedding_A, lora_embedding_B)")
            }
            guard t.dtype.isReadableReal else { throw bad("dtype \(t.dtype.rawValue) is not a float dtype") }
            let embedding = role.hasPrefix("lora_embedding")
            var entry = factors[module] ?? (nil, nil, embedding)
            if entry.embedding != embedding { throw bad("mixes lora_embedding_* and lora_A/lora_B factors") }
            if role.hasSuffix("A") {
                if entry.a != nil { throw bad("has two \(role) tensors (several adapter names in one file?)") }
                entry.a = t
            } else {
                if entry.b != nil { throw bad("has two \(role) tensors (several adapter names in one file?)") }
                entry.b = t
            }
            factors[module] = entry
        }
        var modules: [LoRAModule] = []
        for module in factors.keys.sorted() {
            let e = factors[module]!
            let (nameA, nameB) = e.embedding ? ("lora_embedding_A", "lora_embedding_B") : ("lora_A", "lora_B")
            guard let a = e.a else {
                throw CheckpointError(.invalidAdapter, path: weights, tensor: e.b!.name, "module '\(module)': \(nameB) without its \(nameA)")
            }
            guard let b = e.b else {
                throw CheckpointError(.invalidAdapter, path: weights, tensor: a.name, "module '\(module)': \(nameA) without its \(nameB)")
            }
            modules.append(try Self.module(module, a: a, b: b, embedding: e.embedding, config: config, file: weights))
        }
        if !config.trainableTokenIndices.isEmpty && !other.contains(where: { if case .trainableTokens = $0.role { return true } else { return false } }) {
            throw CheckpointError(.invalidAdapter, path: configPath,
                                  "field 'trainable_token_indices' names rows to train, but \(weights) holds no <module>.token_adapter.trainable_tokens_delta tensor")
        }
                if modules.isEmpty {
            throw CheckpointError(.invalidAdapter, path: weights, "holds no LoRA factors (lora_A/lora_B keys)")
        }
        self.path = path
        self.config = config
        self.weightsPath = weights
        self.modules = modules
        self.fullTensors = other.sorted { $0.key < $1.key }
    }

    private static func module(_ path: String, a: TensorDescriptor, b: TensorDescriptor, embedding: Bool,
                               config: LoRAAdapterConfig, file: String) throws(CheckpointError) -> LoRAModule {
        func bad(_ t: TensorDescriptor, _ detail: String) -> CheckpointError {
            CheckpointError(.invalidAdapter, path: file, tensor: t.name, "module '\(path)': \(detail)")
        }
        let r = config.rank(for: path)
        let kind: LoRAModule.Kind = embedding ? .embedding : a.shape.count > 2 ? .convolution : config.fanInFanOut ? .conv1D : .linear
        guard a.shape.count >= 2 else { throw bad(a, "factor shape \(a.shape) is not a matrix (expected r × in)") }
        guard b.shape.count >= 2 else { throw bad(b, "factor shape \(b.shape) is not a matrix (expected out × r)") }
        let rankA = a.shape[0], rankB = b.shape[1]
        if kind == .convolution {
            guard b.shape.count == a.shape.count, b.shape.dropFirst(2).allSatisfy({ $0 == 1 }) else {
                throw bad(b, "shape \(b.shape) does not fit a convolution LoRA (expected out × r × 1 × 1 beside lora_A \(a.shape))")
            }
        } else if b.shape.count != 2 {
            throw bad(b, "factor shape \(b.shape) is not a matrix (expected out × r)")
        }
        guard rankA == rankB else {
            throw bad(b, "rank of lora_A (\(rankA), shape \(a.shape)) and lora_B (\(rankB), shape \(b.shape)) disagree")
        }
        guard rankA == r else {
            let source = config.rankPatternKey(for: path).map { "rank_pattern key '\($0)'" } ?? "'r'"
            throw bad(a, "factors have rank \(rankA) (shapes \(a.shape) and \(b.shape)) but the config's \(source) says \(r)")
        }
        return LoRAModule(path: path, kind: kind, a: a, b: b, rank: r, alpha: config.alpha(for: path), scaling: config.scaling(for: path))
    }
}
