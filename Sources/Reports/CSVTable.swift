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

        /// Appends the field's text to `out`. The quoting test scans UTF-8
        /// bytes, not Characters (the four ASCII bytes never occur inside a
        /// multi-byte sequence): a spectra table has tens of thousands of rows.
        func render(into out: inout String) {
            switch self {
            case let .text(s):
                if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                    out += "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                } else {
                    out += s
                }
            case let .integer(i): out += String(i)
            case let .real(d): out += CSVTable.format(d)
            }
        }
    }

    /// The column names.
    public let columns: [String]
    /// The data rows, each ending in `\n`.
    private var body = ""
    /// The number of data rows.
    public private(set) var rowCount = 0

    /// An empty table with these columns.
    public init(columns: [String]) { self.columns = columns }

    /// Appends a row.
    ///
    /// - Precondition: the row has one field per column.
    public mutating func append(_ row: [Field]) {
        precondition(row.count == columns.count, "CSVTable: row of \(row.count) fields for \(columns.count) columns")
        for (i, field) in row.enumerated() {
            if i > 0 { body += "," }
            field.render(into: &body)
        }
        body += "\n"
        rowCount += 1
    }

    /// The whole table, header first, each line ending in `\n`.
    public var text: String {
        columns.joined(separator: ",") + "\n" + body
    }

    /// Shortest round-trip decimal form; `inf`, `-inf`, `nan` otherwise.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return d.description
    }
}

import Foundation
