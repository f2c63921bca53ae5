/// A CSV table (RFC 4180: comma-separated, `\n` line ends, fields quoted
/// only when they hold a comma, quote or line break), built row by row.
///
/// Numbers are written for pandas: a `Double` in Swift's shortest
/// round-trip form (`0.1`, `1e-05`), `inf`/`-inf`/`nan` for non-finite
/// values (which `pandas.read_csv` parses as floats); integers as integers.
public struct CSVTable: Sendable {
    /// One field value.
    public enum Field: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
        /// Text, quoted when it holds a comma, quote or line break.
        case text(String)
        /// An integer, in decimal.
        case integer(Int)
        /// A real number in shortest round-trip form; `inf`, `-inf` or `nan` when not finite.
        case real(Double)
        public init(stringLiteral s: String) { self = .text(s) }
        public init(integerLiteral i: Int) { self = .integer(i) }
        public init(floatLiteral d: Double) { self = .real(d) }

        var rendered: String {
            switch self {
            case let .text(s):
                if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                }
                return s
            case let .integer(i): return String(i)
            case let .real(d): return CSVTable.format(d)
            }
        }
    }

    /// The column names.
    public let columns: [String]
    private var lines: [String] = []

    /// An empty table with these columns.
    public init(columns: [String]) { self.columns = columns }

    /// Appends a row.
    ///
    /// - Precondition: the row has one field per column.
    public mutating func append(_ row: [Field]) {
        precondition(row.count == columns.count, "CSVTable: row of \(row.count) fields for \(columns.count) columns")
        lines.append(row.map(\.rendered).joined(separator: ","))
    }

    /// The number of data rows.
    public var rowCount: Int { lines.count }

    /// The whole table, header first, each line ending in `\n`.
    public var text: String {
        ([columns.joined(separator: ",")] + lines).map { $0 + "\n" }.joined()
    }

    /// Shortest round-trip decimal form; `inf`, `-inf`, `nan` otherwise.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return d.description
    }
}

import Foundation
