import Foundation

/// The JSON conventions of every report: pretty-printed, keys sorted,
/// non-finite numbers as the strings `"inf"`, `"-inf"` and `"nan"`
/// (JSON has no literal for them; `pandas.read_json` and `float()` accept them).
public enum JSONReport {
    /// Encodes `value` with the report conventions, ending in a newline.
    public static func encode(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try e.encode(value), as: UTF8.self) + "\n"
    }
}
