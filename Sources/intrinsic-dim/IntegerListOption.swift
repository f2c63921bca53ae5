import ArgumentParser

/// `--d n,n,…` and `--ranks r,r,…`, shared by `sweep` and `experiment finetune`.
enum IntegerListOption {
    /// The integers of `text` (`[]` without the option).
    ///
    /// - Throws: `ValidationError` naming `option` unless `text` is comma-separated integers.
    static func values(_ text: String?, _ option: String) throws -> [Int] {
        guard let text else { return [] }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(option) must be comma-separated integers, got '\(text)'")
        }
        return parts.map { $0! }
    }
}
