import CheckpointIO
import Foundation

extension CSVTable {
    /// Reads the CSV file at `path` (RFC 4180: fields separated by commas,
    /// optionally quoted with `"`, a quote inside a quoted field doubled; line
    /// ends `\n` or `\r\n`; a line break may sit inside a quoted field).
    /// Empty lines are skipped; the first line is the header.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/unreadable`` when the file
    ///   is missing or not UTF-8; ``CheckpointIO/CheckpointError/Code/invalidEntry``
    ///   when it is empty, a quote is unterminated, or a row's field count differs
    ///   from the header's. Every message names the file and the line.
    public static func read(_ path: String) throws(CheckpointError) -> CSVRecords {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError(.unreadable, path: path, "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(.unreadable, path: path, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CheckpointError(.unreadable, path: path, "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses CSV `text` as ``read(_:)`` does; `path` only names the source in errors.
    public static func parse(_ text: String, path: String) throws(CheckpointError) -> CSVRecords {
        var records: [[String]] = []
        var starts: [Int] = []
        var field = ""
        var row: [String] = []
        var inQuotes = false
        var quotedField = false
        var line = 1
        var rowStart = 1
        var chars = Array(text.unicodeScalars)[...]
        func endRow() {
            row.append(field)
            if !(row.count == 1 && row[0].isEmpty && !quotedField) {
                records.append(row)
                starts.append(rowStart)
            }
            row = []
            field = ""
            quotedField = false
        }
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty, !quotedField else {
                    throw CheckpointError(.invalidEntry, path: path, "line \(line): a quote inside an unquoted field")
                }
                inQuotes = true
                quotedField = true
            case ",":
                row.append(field)
                field = ""
                quotedField = false
            case "\r":
                if chars.first == "\n" { continue }
                endRow(); line += 1; rowStart = line
            case "\n":
                endRow(); line += 1; rowStart = line
            default:
                if quotedField {
                    throw CheckpointError(.invalidEntry, path: path, "line \(line): text after a closing quote")
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw CheckpointError(.invalidEntry, path: path, "line \(rowStart): unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty || quotedField { endRow() }
        guard let header = records.first else {
            throw CheckpointError(.invalidEntry, path: path, "empty file, expected a header line")
        }
        return try CSVRecords(path: path, columns: header, rows: Array(records.dropFirst()), lines: Array(starts.dropFirst()))
    }
}
