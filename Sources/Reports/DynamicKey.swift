/// A coding key made from any string, for JSON objects whose keys are data
/// (column names) rather than Swift properties.
internal struct DynamicKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
    init(stringLiteral s: String) { stringValue = s }
}
