import CheckpointIO

extension JSONValue {
    /// Pretty JSON text with two-space indentation (as transformers writes
    /// `config.json`); numbers keep their source text.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 2), end = String(repeating: " ", count: indent)
        switch self {
        case let .object(members):
            if members.isEmpty { return "{}" }
            let body = members.map { pad + Self.quoted($0.0) + ": " + $0.1.rendered(indent: indent + 2) }
            return "{\n" + body.joined(separator: ",\n") + "\n" + end + "}"
        case let .array(items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 2) }.joined(separator: ",\n") + "\n" + end + "]"
        case let .string(s): return Self.quoted(s)
        case let .number(t): return t
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// A JSON string literal for `s` (CheckpointIO's escaping, as in safetensors headers).
    static func quoted(_ s: String) -> String { jsonString(s) }

    /// A JSON number for a Double (Swift's shortest round-trip form).
    static func real(_ x: Double) -> JSONValue { .number(x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) + ".0" : "\(x)") }
}
