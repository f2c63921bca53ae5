import CheckpointIO
import Foundation

/// A CSV file read back (RFC 4180, as ``CSVTable`` writes it): a header and
/// rows of text fields, addressed by column name, with errors that name the
/// file, the line and the column.
public struct CSVDocument: Sendable {
    /// The file read.
    public let path: String
    /// The header's column names.
    public let columns: [String]
    /// The data rows, each with one field per column.
    public let rows: [[String]]

    /// Reads and parses `path`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` (`unreadable`) naming the file when it
    ///   cannot be read, has no header, or a row has the wrong number of fields.
    public init(path: String) throws(CheckpointError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CheckpointError(.unreadable, path: path, "cannot read the CSV file (\(error.localizedDescription))")
        }
        try self.init(text: text, path: path)
    }

    /// Parses `text`; `path` is only used in errors.
    public init(text: String, path: String) throws(CheckpointError) {
        let records = Self.records(text)
        guard let header = records.first, !(header.count == 1 && header[0].isEmpty) else {
            throw CheckpointError(.unreadable, path: path, "empty CSV file: no header")
        }
        for (k, r) in records.dropFirst().enumerated() where r.count != header.count {
            throw CheckpointError(.unreadable, path: path, "line \(k + 2) has \(r.count) fields for \(header.count) columns")
        }
        self.path = path
        columns = header
        rows = Array(records.dropFirst())
    }

    /// The index of `column`.
    ///
    /// - Throws: `unreadable` naming the file and the missing column.
    public func index(of column: String) throws(CheckpointError) -> Int {
        guard let i = columns.firstIndex(of: column) else {
            throw CheckpointError(.unreadable, path: path, "no column '\(column)' (columns: \(columns.joined(separator: ",")))")
        }
        return i
    }

    /// Column `column` as text.
    public func strings(_ column: String) throws(CheckpointError) -> [String] {
        let i = try index(of: column)
        return rows.map { $0[i] }
    }

    /// Column `column` as numbers (`nan`, `inf`, `-inf` accepted); an empty cell is `nil`.
    ///
    /// - Throws: `unreadable` naming the file, line and column of a cell that is not a number.
    public func numbers(_ column: String) throws(CheckpointError) -> [Double?] {
        let i = try index(of: column)
        var out: [Double?] = []
        out.reserveCapacity(rows.count)
        for (k, r) in rows.enumerated() {
            if r[i].isEmpty { out.append(nil); continue }
            guard let v = Double(r[i]) else {
                throw CheckpointError(.unreadable, path: path, "line \(k + 2), column '\(column)': '\(r[i])' is not a number")
            }
            out.append(v)
        }
        return out
    }

    /// RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks.
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { quoted = false; afterQuote = true }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r" where chars.first == "\n": break
            case "\n", "\r":
                record.append(field)
                records.append(record)
                record = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty || afterQuote { record.append(field); records.append(record) }
        return records
    }
}
