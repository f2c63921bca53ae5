/// The JSON Lines form of encodings that `intrinsic-dim tokenize` writes, one line per document:
/// `{"input_ids":[101,…,102],"token_type_ids":[0,…,0]}` (no spaces), so that a Python client
/// can compare them with `BertTokenizerFast`'s.
public enum TokenIDsJSONL {
    /// The UTF-8 bytes of the lines of `encodings`, each ending with `\n`.
    public static func bytes(_ encodings: [TokenEncoding]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodings.reduce(0) { $0 + 40 + 8 * $1.count })
        for e in encodings {
            out.append(contentsOf: Array(#"{"input_ids":["#.utf8))
            append(e.inputIDs, to: &out)
            out.append(contentsOf: Array(#"],"token_type_ids":["#.utf8))
            append(e.tokenTypeIDs, to: &out)
            out.append(contentsOf: Array("]}\n".utf8))
        }
        return out
    }

    private static func append(_ values: [Int32], to out: inout [UInt8]) {
        var digits = [UInt8](repeating: 0, count: 12)
        for (k, v) in values.enumerated() {
            if k > 0 { out.append(0x2C) }
            var x = Int(v)
            if x < 0 { out.append(0x2D); x = -x }
            var n = 0
            repeat { digits[n] = UInt8(0x30 + x % 10); x /= 10; n += 1 } while x > 0
            while n > 0 { n -= 1; out.append(digits[n]) }
        }
    }
}
