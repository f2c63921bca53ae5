import CheckpointIO

/// Reads the examples of a TSV, CSV, JSONL or Orange `.tab` file (see ``TextFileFormat``).
///
/// Every error is one line naming the file, the line and the column:
/// - ``TextError/Code/missingColumn``: the header lacks a named column (line of the header), or
///   a row has fewer fields than the header (a JSONL object lacks the key);
/// - ``TextError/Code/malformedRow``: a row with more fields than the header, a broken CSV quote;
/// - ``TextError/Code/invalidUTF8``: a field (or header) that is not valid UTF-8;
/// - ``TextError/Code/emptyText``: an empty (or all white space) text or label;
/// - ``TextError/Code/invalidJSON``: a JSONL line that is not an object, a value of the wrong type;
/// - ``TextError/Code/noRows``: no data rows;
/// - ``TextError/Code/unreadable``: the file cannot be read.
public enum TextFileReader {
    /// The examples of the file at `path`, in file order, with the format `format` (by default
    /// the one its extension names).
    public static func read(_ path: String, columns: TextColumns, format: TextFileFormat? = nil) throws(TextError) -> [TextExample] {
        let layout: TextFileFormat
        if let format { layout = format } else { layout = try TextFileFormat(path: path) }
        return try parse(FileBytes.read(path), path: path, columns: columns, format: layout)
    }

    /// The examples of a file's `bytes` (as ``read(_:columns:format:)`` reads them, without the
    /// file system); `path` names the file in errors.
    public static func parse(_ bytes: [UInt8], path: String, columns: TextColumns, format layout: TextFileFormat) throws(TextError) -> [TextExample] {
        let examples: [TextExample]
        switch layout {
        case .jsonl:
            examples = try readJSONL(bytes, path: path, columns: columns)
        case .tsv, .csv, .orangeTab:
            let rows = layout == .csv ? try RowParser.commaSeparated(bytes, path: path) : RowParser.tabSeparated(bytes)
            examples = try readDelimited(rows, headerLines: layout == .orangeTab ? 3 : 1, path: path, columns: columns)
        }
        if examples.isEmpty { throw TextError(.noRows, path: path, "the file has no data rows") }
        return examples
    }

    private static func format(of path: String) throws(TextError) -> TextFileFormat {
        try TextFileFormat(path: path)
    }

    private static func names(_ columns: TextColumns) -> [(String, Role)] {
        var out: [(String, Role)] = [(columns.text, .text)]
        if let p = columns.textPair { out.append((p, .pair)) }
        if let l = columns.label { out.append((l, .label)) }
        return out
    }

    private enum Role { case text, pair, label }

    private static func readDelimited(_ rows: [RawRow], headerLines: Int, path: String, columns: TextColumns) throws(TextError) -> [TextExample] {
        guard rows.count >= headerLines else {
            throw TextError(.noRows, path: path, headerLines == 1 ? "the file has no header line" : "the file has fewer than the three header lines of Orange's .tab format")
        }
        let header = rows[0]
        var headerNames: [String] = []
        for (k, f) in header.fields.enumerated() {
            guard let s = String(validating: f, as: UTF8.self) else {
                throw TextError(.invalidUTF8, path: path, line: header.line, "header field \(k + 1) is not valid UTF-8")
            }
            headerNames.append(s)
        }
        var indices: [(Int, String, Role)] = []
        for (name, role) in names(columns) {
            guard let k = headerNames.firstIndex(of: name) else {
                throw TextError(.missingColumn, path: path, line: header.line, column: name,
                                "the header has no such column (it has \(headerNames.map { "'\($0)'" }.joined(separator: ", ")))")
            }
            indices.append((k, name, role))
        }
        var examples: [TextExample] = []
        examples.reserveCapacity(rows.count - headerLines)
        for row in rows.dropFirst(headerLines) {
            if row.fields.count > headerNames.count {
                throw TextError(.malformedRow, path: path, line: row.line, "the row has \(row.fields.count) fields, the header \(headerNames.count)")
            }
            var e = TextExample(text: "", line: row.line)
            for (k, name, role) in indices {
                guard k < row.fields.count else {
                    throw TextError(.missingColumn, path: path, line: row.line, column: name,
                                    "the row has \(row.fields.count) fields, the header \(headerNames.count)")
                }
                try assign(row.fields[k], role: role, to: &e, path: path, line: row.line, column: name)
            }
            examples.append(e)
        }
        return examples
    }

    private static func assign(_ bytes: [UInt8], role: Role, to e: inout TextExample, path: String, line: Int, column: String) throws(TextError) {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw TextError(.invalidUTF8, path: path, line: line, column: column, "the field is not valid UTF-8")
        }
        try set(s, role: role, to: &e, path: path, line: line, column: column)
    }

    private static func set(_ s: String, role: Role, to e: inout TextExample, path: String, line: Int, column: String) throws(TextError) {
        if s.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            throw TextError(.emptyText, path: path, line: line, column: column, role == .label ? "the label is empty" : "the text is empty")
        }
        switch role {
        case .text: e.text = s
        case .pair: e.textPair = s
        case .label: e.label = s
        }
    }

    private static func readJSONL(_ bytes: [UInt8], path: String, columns: TextColumns) throws(TextError) -> [TextExample] {
        var examples: [TextExample] = []
        let wanted = names(columns)
        var line = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            line += 1
            let lineBytes = Array(bytes[start..<end])
            start = end + 1
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if String(validating: lineBytes, as: UTF8.self) == nil {
                throw TextError(.invalidUTF8, path: path, line: line, column: columnOfInvalidByte(lineBytes, wanted.map(\.0)),
                                "the line is not valid UTF-8")
            }
            let value: JSONValue
            do {
                value = try JSONParser.parse(lineBytes)
            } catch {
                throw TextError(.invalidJSON, path: path, line: line, "not valid JSON (character \(error.offset + 1): \(error.message))")
            }
            guard case .object = value else {
                throw TextError(.invalidJSON, path: path, line: line, "expected a JSON object, found a JSON \(value.typeName)")
            }
            var e = TextExample(text: "", line: line)
            for (name, role) in wanted {
                guard let v = value[name] else {
                    throw TextError(.missingColumn, path: path, line: line, column: name, "the object has no such key")
                }
                let s: String
                switch (v, role) {
                case (.string(let t), _): s = t
                case (.number(let t), .label) where v.isIntegerLiteral: s = t
                case (.bool(let b), .label): s = b ? "true" : "false"
                default:
                    throw TextError(.invalidJSON, path: path, line: line, column: name,
                                    "expected a string\(role == .label ? ", an integer or a boolean" : ""), found a JSON \(v.typeName)")
                }
                try set(s, role: role, to: &e, path: path, line: line, column: name)
            }
            examples.append(e)
        }
        return examples
    }

    /// The column whose key comes last before the first invalid byte of a JSONL line, if any.
    private static func columnOfInvalidByte(_ bytes: [UInt8], _ names: [String]) -> String? {
        var bad = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0
            if length == 0 || i + length > bytes.count
                || String(validating: bytes[i..<i + length], as: UTF8.self) == nil { bad = i; break }
            i += length
        }
        var best: (Int, String)? = nil
        for name in names {
            let key = Array("\"\(name)\"".utf8)
            guard key.count <= bad else { continue }
            for k in stride(from: bad - key.count, through: 0, by: -1) where bytes[k..<k + key.count].elementsEqual(key) {
                if best == nil || k > best!.0 { best = (k, name) }
                break
            }
        }
        return best?.1
    }
}
