import Foundation

/// The `adapter_config.json` of a Hugging Face PEFT LoRA adapter, with
/// PEFT 0.21's meaning of each field.
///
/// Per-module rank and α: a `rank_pattern` / `alpha_pattern` key applies to a
/// module path when `re.match(rf"(.*\.)?({key})$", path)` holds, and the first
/// such key in the file's order wins (PEFT's `get_pattern_key`); otherwise
/// `r` / `lora_alpha`. The scaling is s = α/√r with rsLoRA, else α/r, and a
/// module's update is ΔW = s·B·A.
public struct LoRAAdapterConfig: Sendable {
    /// `target_modules`: module-name suffixes, or one regular expression that
    /// must match a whole module path.
    public enum TargetModules: Sendable, Equatable {
        /// A list of module-name suffixes: a module is targeted when its path equals
        /// one or ends in `.<name>` (PEFT's list form).
        case names([String])
        /// One regular expression that must match the whole module path (PEFT's string form).
        case regex(String)
        /// `target_modules` absent or `null`: the adapter's keys alone say which modules are adapted.
        case unspecified
    }

    /// `peft_type` (`"LORA"`).
    public var peftType: String = "LORA"
    /// `r`, the default rank.
    public var rank: Int
    /// `lora_alpha`, the default α.
    public var alpha: Double
    /// `use_rslora`: s = α/√r instead of α/r.
    public var useRSLoRA = false
    /// `target_modules`.
    public var targetModules: TargetModules = .unspecified
    /// `rank_pattern`, in the file's order.
    public var rankPattern: [(key: String, rank: Int)] = []
    /// `alpha_pattern`, in the file's order.
    public var alphaPattern: [(key: String, alpha: Double)] = []
    /// `fan_in_fan_out`: the adapted weights are stored in × out (GPT-2's `Conv1D`).
    public var fanInFanOut = false
    /// `layers_to_transform` (recorded; the adapter's keys say which layers are adapted).
    public var layersToTransform: [Int]? = nil
    /// `bias` (`"none"`, `"all"`, `"lora_only"`).
    public var bias = "none"
    /// `modules_to_save`: modules saved whole, which `merge` writes over the base's.
    public var modulesToSave: [String] = []
    /// `trainable_token_indices`: rows of embedding tables trained whole (PEFT's TrainableTokens),
    /// as (module name, row indices) pairs; a plain list applies to the input embedding and is
    /// stored with the module name `nil`. Empty when the field is absent or `null`.
    public var trainableTokenIndices: [(module: String?, indices: [Int])] = []
    /// `base_model_name_or_path` (recorded).
    public var baseModelNameOrPath: String? = nil
    /// `task_type`.
    public var taskType: String? = nil
    /// `use_dora`.
    public var useDoRA = false
    /// `init_lora_weights` as text (`"true"`, `"false"`, `"gaussian"`, `"pissa"`, …).
    public var initLoRAWeights = "true"

    /// A config with the given defaults and nothing else set.
    public init(rank: Int, alpha: Double) {
        self.rank = rank
        self.alpha = alpha
    }

    /// `init_lora_weights` values that change the base weights when the adapter
    /// is created, so that ΔW relative to the stored base is not s·B·A.
    public static let weightChangingInitialisations = ["pissa", "olora", "loftq", "corda", "lora_ga"]

    /// The rank of the module at `path`.
    public func rank(for path: String) -> Int {
        Self.firstMatch(rankPattern.map(\.key), path).map { k in rankPattern.first { $0.key == k }!.rank } ?? rank
    }

    /// α of the module at `path`.
    public func alpha(for path: String) -> Double {
        Self.firstMatch(alphaPattern.map(\.key), path).map { k in alphaPattern.first { $0.key == k }!.alpha } ?? alpha
    }

    /// The scaling s of the module at `path`: α/√r with rsLoRA, else α/r.
    public func scaling(for path: String) -> Double {
        let r = Double(rank(for: path))
        return useRSLoRA ? alpha(for: path) / r.squareRoot() : alpha(for: path) / r
    }

    /// The `rank_pattern` key that applies to `path`, if any.
    public func rankPatternKey(for path: String) -> String? { Self.firstMatch(rankPattern.map(\.key), path) }

    /// The first of `keys` that PEFT would apply to `path`: `re.match(rf"(.*\.)?({key})$", path)`.
    /// A key that is not a valid regular expression never matches (``validatePatterns()`` reports it).
    public static func firstMatch(_ keys: [String], _ path: String) -> String? {
        keys.first { key in
            guard let regex = try? Regex("(.*\\.)?(\(key))") else { return false }
            return (try? regex.wholeMatch(in: path)) != nil
        }
    }

    /// Whether `target_modules` selects the module at `path`, as PEFT decides it:
    /// a regex must match the whole path; a name matches the path or its last
    /// dot-separated components.
    public func targets(_ path: String) -> Bool {
        switch targetModules {
        case .unspecified: return true
        case let .regex(r): return (try? Regex(r)).flatMap { try? $0.wholeMatch(in: path) } != nil
        case let .names(names): return names.contains { path == $0 || path.hasSuffix("." + $0) }
        }
    }
}

// MARK: - Reading

extension LoRAAdapterConfig {
    /// Reads and validates `adapter_config.json` at `path`.
    ///
    /// - Throws: ``CheckpointError/Code/invalidAdapter`` for a file that is
    ///   missing, not JSON, not an object, or has a field of the wrong type or
    ///   range; ``CheckpointError/Code/unsupportedAdapter`` for a `peft_type`
    ///   other than LORA, DoRA, an `init_lora_weights` other than true, false
    ///   and ``implementedInitialisations`` (the weight-changing ones named as
    ///   such), and any field that selects a feature changing ΔW or the binding
    ///   that is not implemented (`layer_replication`, `alora_invocation_tokens`,
    ///   `target_parameters`, `lora_bias`, `use_qalora`,
    ///   `megatron_config`, …): an allow-list of PEFT 0.21.2's fields, each
    ///   accepted when read, when it cannot change ΔW, or at its default value —
    ///   the one-line message names the field.
    public init(path: String) throws(CheckpointError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError(.invalidAdapter, path: path, "adapter config is missing")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CheckpointError(.unreadable, path: path, "cannot read the adapter config (\(error.localizedDescription))")
        }
        try self.init(path: path, bytes: bytes)
    }

    /// Validates `bytes` as the contents of the config file `path` (fuzzing and tests).
    package init(path: String, bytes: [UInt8]) throws(CheckpointError) {
        func fail(_ detail: String) -> CheckpointError { CheckpointError(.invalidAdapter, path: path, detail) }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw fail("invalid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case let .object(members) = json else { throw fail("the adapter config is a JSON \(json.typeName), not an object") }
        let field = { (k: String) in members.first { $0.0 == k }?.1 }
        func integer(_ k: String) throws(CheckpointError) -> Int? {
            guard let v = field(k), v != .null else { return nil }
            guard let i = v.integer else { throw fail("'\(k)' must be an integer, got \(v.display)") }
            return i
        }
        func real(_ k: String) throws(CheckpointError) -> Double? {
            guard let v = field(k), v != .null else { return nil }
            guard case let .number(t) = v, let d = Double(t), d.isFinite else { throw fail("'\(k)' must be a number, got \(v.display)") }
            return d
        }
        func boolean(_ k: String) throws(CheckpointError) -> Bool? {
            guard let v = field(k), v != .null else { return nil }
            guard case let .bool(b) = v else { throw fail("'\(k)' must be true or false, got \(v.display)") }
            return b
        }
        func text(_ k: String) throws(CheckpointError) -> String? {
            guard let v = field(k), v != .null else { return nil }
            guard case let .string(s) = v else { throw fail("'\(k)' must be a string, got \(v.display)") }
            return s
        }
        func strings(_ k: String) throws(CheckpointError) -> [String]? {
            guard let v = field(k), v != .null else { return nil }
            guard case let .array(items) = v else { throw fail("'\(k)' must be a list of strings, got \(v.display)") }
            var out: [String] = []
            for item in items {
                guard case let .string(s) = item else { throw fail("'\(k)' must be a list of strings, got \(item.display) in it") }
                out.append(s)
            }
            return out
        }

        let type = try text("peft_type") ?? "LORA"
        guard type.uppercased() == "LORA" else {
            throw CheckpointError(.unsupportedAdapter, path: path,
                                  "peft_type '\(type)' is not LORA: only LoRA adapters have ΔW = s·B·A")
        }
        guard let r = try integer("r") else { throw fail("'r' is missing") }
        guard r >= 1 else { throw fail("'r' must be a positive integer, got \(r)") }
        self.init(rank: r, alpha: try real("lora_alpha") ?? 8)
        peftType = type
        useRSLoRA = try boolean("use_rslora") ?? false
        fanInFanOut = try boolean("fan_in_fan_out") ?? false
        bias = try text("bias") ?? "none"
        modulesToSave = try strings("modules_to_save") ?? []
        func indexList(_ v: JSONValue, _ what: String) throws(CheckpointError) -> [Int] {
            guard case let .array(items) = v else { throw fail("'trainable_token_indices'\(what) must be a list of row indices, got \(v.display)") }
            var out: [Int] = []
            for item in items {
                guard let i = item.integer, i >= 0 else { throw fail("'trainable_token_indices'\(what) must hold non-negative integers, got \(item.display)") }
                guard !out.contains(i) else { throw fail("'trainable_token_indices'\(what) lists row \(i) twice") }
                out.append(i)
            }
            return out
        }
        switch field("trainable_token_indices") {
        case nil, .null?: break
        case let .object(pairs)?:
            trainableTokenIndices = try pairs.map { (k, v) throws(CheckpointError) in (k, try indexList(v, " for '\(k)'")) }
        case let v?: trainableTokenIndices = [(nil, try indexList(v, ""))]
        }
        baseModelNameOrPath = try text("base_model_name_or_path")
        taskType = try text("task_type")
        useDoRA = try boolean("use_dora") ?? false
        if useDoRA {
            throw CheckpointError(.unsupportedAdapter, path: path,
                                  "use_dora is true: a DoRA update rescales W₀ + s·B·A by a learned magnitude, so ΔW is not s·B·A")
        }
        switch field("init_lora_weights") {
        case nil, .null?: break
        case let .bool(b)?: initLoRAWeights = b ? "true" : "false"
        case let .string(s)?: initLoRAWeights = s
        case let v?: throw fail("'init_lora_weights' must be true, false or a string, got \(v.display)")
        }
        if let bad = Self.weightChangingInitialisations.first(where: { initLoRAWeights.lowercased().hasPrefix($0) }) {
            throw CheckpointError(.unsupportedAdapter, path: path,
                                  "init_lora_weights '\(initLoRAWeights)' (\(bad)) changes the base weights when the adapter is created, so ΔW relative to the stored base is not s·B·A")
        }
        if !["true", "false"].contains(initLoRAWeights) && !Self.implementedInitialisations.contains(initLoRAWeights.lowercased()) {
            throw CheckpointError(.unsupportedAdapter, path: path,
                                  "field 'init_lora_weights' is '\(initLoRAWeights)', not one whose merged weights are known to be W₀ + s·B·A (true, false, \(Self.implementedInitialisations.joined(separator: ", ")))")
        }
        guard ["none", "all", "lora_only"].contains(bias) else {
            throw fail("'bias' must be \"none\", \"all\" or \"lora_only\", got \(jsonString(bias))")
        }
        try Self.checkFields(members, path: path)
        switch field("target_modules") {
        case nil, .null?: targetModules = .unspecified
        case let .string(s)?:
            guard (try? Regex(s)) != nil else { throw fail("'target_modules' '\(s)' is not a valid regular expression") }
            targetModules = .regex(s)
        case .array?: targetModules = .names(try strings("target_modules") ?? [])
        case let v?: throw fail("'target_modules' must be a list of names or a regex string, got \(v.display)")
        }
        switch field("layers_to_transform") {
        case nil, .null?: layersToTransform = nil
        case let .number(t)?:
            guard let i = Int(t) else { throw fail("'layers_to_transform' must be an integer or a list of integers") }
            layersToTransform = [i]
        case let .array(items)?:
            layersToTransform = try items.map { (v) throws(CheckpointError) -> Int in
                guard let i = v.integer else { throw fail("'layers_to_transform' must be a list of integers, got \(v.display) in it") }
                return i
            }
        case let v?: throw fail("'layers_to_transform' must be an integer or a list of integers, got \(v.display)")
        }
        for (name, isRank) in [("rank_pattern", true), ("alpha_pattern", false)] {
            switch field(name) {
            case nil, .null?: continue
            case let .object(pairs)?:
                for (key, v) in pairs {
                    guard (try? Regex("(.*\\.)?(\(key))")) != nil else {
                        throw fail("'\(name)' key '\(key)' is not a valid regular expression")
                    }
                    if isRank {
                        guard let i = v.integer, i >= 1 else { throw fail("'\(name)' value for '\(key)' must be a positive integer, got \(v.display)") }
                        rankPattern.append((key, i))
                    } else {
                        guard case let .number(t) = v, let d = Double(t), d.isFinite else {
                            throw fail("'\(name)' value for '\(key)' must be a number, got \(v.display)")
                        }
                        alphaPattern.append((key, d))
                    }
                }
            case let v?: throw fail("'\(name)' must be an object, got \(v.display)")
            }
        }
    }
}

// MARK: - Writing

extension LoRAAdapterConfig {
    /// The config as PEFT 0.21's `save_pretrained` writes it: the fields PEFT
    /// reads, keys sorted, two-space indentation, `inference_mode: true`.
    public var json: String {
        func str(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        func num(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)" }
        func object(_ pairs: [(String, String)]) -> String {
            pairs.isEmpty ? "{}" : "{\n" + pairs.map { "    \(jsonString($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n  }"
        }
        let target: String
        switch targetModules {
        case .unspecified: target = "null"
        case let .regex(r): target = jsonString(r)
        case let .names(n): target = n.isEmpty ? "[]" : "[\n" + n.map { "    " + jsonString($0) }.joined(separator: ",\n") + "\n  ]"
        }
        let fields: [(String, String)] = [
            ("base_model_name_or_path", str(baseModelNameOrPath)),
            ("bias", jsonString(bias)),
            ("fan_in_fan_out", String(fanInFanOut)),
            ("inference_mode", "true"),
            ("init_lora_weights", ["true", "false"].contains(initLoRAWeights) ? initLoRAWeights : jsonString(initLoRAWeights)),
            ("layers_pattern", "null"),
            ("layers_to_transform", layersToTransform.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "null"),
            ("lora_alpha", num(alpha)),
            ("lora_dropout", "0.0"),
            ("modules_to_save", modulesToSave.isEmpty ? "null" : "[" + modulesToSave.map(jsonString).joined(separator: ", ") + "]"),
            ("peft_type", jsonString(peftType)),
            ("r", String(rank)),
            ("alpha_pattern", object(alphaPattern.map { ($0.key, num($0.alpha)) })),
            ("rank_pattern", object(rankPattern.map { ($0.key, String($0.rank)) })),
            ("revision", "null"),
            ("target_modules", target),
            ("task_type", str(taskType)),
            ("use_dora", "false"),
            ("use_rslora", String(useRSLoRA)),
        ].sorted { $0.0 < $1.0 }
        return "{\n" + fields.map { "  \(jsonString($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}

extension JSONValue {
    /// A short rendering for error messages.
    var display: String {
        switch self {
        case let .string(s): return jsonString(s)
        case let .number(t): return t
        case let .bool(b): return String(b)
        case .null: return "null"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
