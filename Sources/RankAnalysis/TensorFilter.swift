/// Chooses tensors by name with regular expressions, searched anywhere in the
/// name (like Python's `re.search`): a name is accepted when it matches at
/// least one include pattern (or none are given) and no exclude pattern.
public struct TensorFilter {
    /// The include patterns, as given.
    public let include: [String]
    /// The exclude patterns, as given.
    public let exclude: [String]
    private let includeRegexes: [Regex<AnyRegexOutput>]
    private let excludeRegexes: [Regex<AnyRegexOutput>]

    /// Accepts every name.
    public static var all: TensorFilter { try! TensorFilter() }

    /// Compiles the patterns.
    ///
    /// - Throws: ``RankAnalysisError/Code/invalidPattern`` naming the pattern.
    public init(include: [String] = [], exclude: [String] = []) throws(RankAnalysisError) {
        func compile(_ p: String, _ flag: String) throws(RankAnalysisError) -> Regex<AnyRegexOutput> {
            do { return try Regex(p) } catch {
                throw RankAnalysisError(.invalidPattern, "\(flag) pattern '\(p)' is not a valid regular expression")
            }
        }
        self.include = include
        self.exclude = exclude
        var inc: [Regex<AnyRegexOutput>] = []
        for p in include { inc.append(try compile(p, "--include")) }
        var exc: [Regex<AnyRegexOutput>] = []
        for p in exclude { exc.append(try compile(p, "--exclude")) }
        includeRegexes = inc
        excludeRegexes = exc
    }

    /// Whether `name` passes the filter.
    public func accepts(_ name: String) -> Bool {
        if !includeRegexes.isEmpty && !includeRegexes.contains(where: { name.contains($0) }) { return false }
        return !excludeRegexes.contains(where: { name.contains($0) })
    }
}
