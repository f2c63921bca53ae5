extension LoRAAdapterConfig {
    /// One adapted module's rank and α, as a PEFT config records them.
    public struct ModuleSettings: Sendable, Hashable {
        /// The module's path (`fc1`, `encoder.layer.0.attention.self.query`).
        public var path: String
        /// Its rank r.
        public var rank: Int
        /// Its α (s = α/r, or α/√r with rsLoRA).
        public var alpha: Double

        /// A module's settings.
        public init(path: String, rank: Int, alpha: Double) {
            self.path = path
            self.rank = rank
            self.alpha = alpha
        }
    }

    /// The one rule that turns per-module ranks and α into `r`, `lora_alpha`, `target_modules`,
    /// `rank_pattern` and `alpha_pattern` — used by LoRA training and by extraction alike.
    ///
    /// `r` is `rank`, or else the most common rank of `modules` (ties: the smallest; 1 without
    /// modules); `lora_alpha` is `alpha`, or else the most common α among the modules of rank `r`
    /// (ties: the smallest; `r` without them). `target_modules` lists every module's path. A module
    /// whose rank differs from `r` gets a `rank_pattern` entry, one whose α differs from
    /// `lora_alpha` an `alpha_pattern` entry, in `modules`' order, keyed by its regex-escaped path
    /// (``regexEscaped(_:)``), so that PEFT's `re.match(rf"(.*\.)?({key})$", path)` selects
    /// that module and reads back every module's (r, α) (``rank(for:)``, ``alpha(for:)``).
    ///
    /// - Parameters:
    ///   - modules: every adapted module, in the adapter's order.
    ///   - rank: the default rank, when the caller has one (a LoRA run's requested r).
    ///   - alpha: the default α, when the caller has one.
    /// - Returns: a config with those fields set and every other field at its default.
    public static func patterned(_ modules: [ModuleSettings], rank: Int? = nil, alpha: Double? = nil) -> LoRAAdapterConfig {
        func mostCommon<T: Comparable & Hashable>(_ values: [T]) -> T? {
            let counts = Dictionary(values.map { ($0, 1) }, uniquingKeysWith: +)
            return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        }
        let r = rank ?? mostCommon(modules.map(\.rank)) ?? 1
        let a = alpha ?? mostCommon(modules.filter { $0.rank == r }.map(\.alpha)) ?? Double(r)
        var config = LoRAAdapterConfig(rank: r, alpha: a)
        config.targetModules = .names(modules.map(\.path))
        for m in modules {
            let key = regexEscaped(m.path)
            if m.rank != r { config.rankPattern.append((key, m.rank)) }
            if m.alpha != a { config.alphaPattern.append((key, m.alpha)) }
        }
        return config
    }

    /// `text` with the characters Python's `re` treats specially escaped (`fc1` stays `fc1`,
    /// `layer.0.query` becomes `layer\.0\.query`).
    public static func regexEscaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            if "\\.^$*+?{}[]|()".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
