import CheckpointIO
import Foundation

/// A CSV file read back (``CSVTable/read(_:)``): its header and its rows as
/// text fields, with typed accessors whose errors name the file, the line
/// and the column.
///
/// Line numbers count the header as line 1, so the first data row is line 2
/// (as a text editor shows it when no field holds a line break).
public struct CSVRecords: Sendable {
    /// The file the records came from (used in error messages).
    public let path: String
    /// The column names, in file order.
    public let columns: [String]
    /// The data rows, each with exactly one field per column.
    public let rows: [[String]]
    /// The file line on which each data row starts.
    public let lines: [Int]

    /// Records of `path` (for messages), checking that every row has one field per column.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the line whose
    ///   field count differs from the header's.
    public init(path: String, columns: [String], rows: [[String]], lines: [Int]) throws(CheckpointError) {
        for (row, line) in zip(rows, lines) where row.count != columns.count {
            throw CheckpointError(.invalidEntry, path: path,
                                  "line \(line): \(row.count) fields for \(columns.count) columns")
        }
        self.path = path
        self.columns = columns
        self.rows = rows
        self.lines = lines
    }

    /// The index of `column`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the missing column.
    public func index(of column: String) throws(CheckpointError) -> Int {
        guard let i = columns.firstIndex(of: column) else {
            throw CheckpointError(.invalidEntry, path: path, "column '\(column)' is missing (the header has \(columns.joined(separator: ",")))")
        }
        return i
    }

    /// Throws unless every column of `required` is present.
    public func require(_ required: [String]) throws(CheckpointError) {
        for c in required { _ = try index(of: c) }
    }

    /// The text of `column` in data row `row` (0-based).
    public func text(_ row: Int, _ column: String) throws(CheckpointError) -> String {
        rows[row][try index(of: column)]
    }

    /// The number in `column` of data row `row`; `inf`, `-inf` and `nan` are read as `CSVTable` writes them.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the line and
    ///   column when the cell is empty or not a number.
    public func double(_ row: Int, _ column: String) throws(CheckpointError) -> Double {
        guard let x = try optionalDouble(row, column) else {
            throw CheckpointError(.invalidEntry, path: path, "line \(lines[row]): column '\(column)' is empty, expected a number")
        }
        return x
    }

    /// The number in `column` of data row `row`, or nil when the cell is empty.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` when the cell is neither empty nor a number.
    public func optionalDouble(_ row: Int, _ column: String) throws(CheckpointError) -> Double? {
        let s = try text(row, column).trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        switch s {
        case "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: break
        }
        guard let x = Double(s), s.allSatisfy({ "0123456789+-.eE".contains($0) }) else {
            throw CheckpointError(.invalidEntry, path: path, "line \(lines[row]): column '\(column)': '\(s)' is not a number")
        }
        return x
    }

    /// The integer in `column` of data row `row`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the line and
    ///   column when the cell is not an integer.
    public func integer(_ row: Int, _ column: String) throws(CheckpointError) -> Int {
        guard let x = try optionalInteger(row, column) else {
            throw CheckpointError(.invalidEntry, path: path, "line \(lines[row]): column '\(column)' is empty, expected an integer")
        }
        return x
    }

    /// The integer in `column` of data row `row`, or nil when the cell is empty.
    public func optionalInteger(_ row: Int, _ column: String) throws(CheckpointError) -> Int? {
        let s = try text(row, column).trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        guard let x = Int(s) else {
            throw CheckpointError(.invalidEntry, path: path, "line \(lines[row]): column '\(column)': '\(s)' is not an integer")
        }
        return x
    }
}
