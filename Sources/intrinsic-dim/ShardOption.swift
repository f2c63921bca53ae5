import ArgumentParser

/// `--shard k/N`, shared by `sweep`, `rank` and `experiment finetune`.
enum ShardOption {
    /// k and N of `text` (`nil` without the option).
    ///
    /// - Throws: `ValidationError` unless `text` is `k/N` with 1 ≤ k ≤ N.
    static func parse(_ text: String?) throws -> (k: Int, n: Int)? {
        guard let text else { return nil }
        let p = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard p.count == 2, let k = p[0], let n = p[1], n >= 1, (1...n).contains(k) else {
            throw ValidationError("--shard must be k/N with 1 ≤ k ≤ N, got '\(text)'")
        }
        return (k, n)
    }
}
