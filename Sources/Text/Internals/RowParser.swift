/// One data or header row of a delimited file: its fields' raw bytes and the one-based line
/// where it starts.
struct RawRow {
    var line: Int
    var fields: [[UInt8]]
}

/// Splits TSV, Orange `.tab` and CSV bytes into rows. Blank lines are skipped (as pandas and
/// Orange do); a final line without a newline is a row.
enum RowParser {
    /// Tab-separated rows, no quoting (GLUE's TSVs and Orange's `.tab` files quote nothing; a
    /// `"` is an ordinary character). Lines end at `\n`, a `\r` before it is dropped.
    static func tabSeparated(_ bytes: [UInt8]) -> [RawRow] {
        var rows: [RawRow] = []
        var line = 1
        var start = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            if stop > start {
                var fields: [[UInt8]] = []
                var f = start
                for k in start..<stop where bytes[k] == 0x09 {
                    fields.append(Array(bytes[f..<k]))
                    f = k + 1
                }
                fields.append(Array(bytes[f..<stop]))
                rows.append(RawRow(line: line, fields: fields))
            }
            line += 1
            start = end + 1
        }
        return rows
    }

    /// RFC 4180 rows: fields separated by commas, a field quoted with `"` may hold commas, line
    /// breaks and `""` (one quote); records end at `\n` or `\r\n`.
    ///
    /// - Throws: ``TextError/Code/malformedRow`` for an unterminated quote (naming the line where
    ///   the field starts) or a character after a closing quote other than a comma or line end.
    static func commaSeparated(_ bytes: [UInt8], path: String) throws(TextError) -> [RawRow] {
        var rows: [RawRow] = []
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var line = 1
        var rowLine = 1
        var i = 0
        let n = bytes.count
        var rowHasContent = false
        func endRow() {
            fields.append(field)
            field = []
            if rowHasContent || fields.count > 1 { rows.append(RawRow(line: rowLine, fields: fields)) }
            fields = []
            rowHasContent = false
        }
        while i < n {
            let b = bytes[i]
            if b == 0x22 && field.isEmpty && !fieldStarted(bytes, i) {
                // A quoted field.
                let quoteLine = line
                i += 1
                var closed = false
                while i < n {
                    let c = bytes[i]
                    if c == 0x22 {
                        if i + 1 < n && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        i += 1
                        closed = true
                        break
                    }
                    if c == 0x0A { line += 1 }
                    field.append(c)
                    i += 1
                }
                if !closed {
                    throw TextError(.malformedRow, path: path, line: quoteLine, "a quoted field is not closed before the end of the file")
                }
                rowHasContent = true
                if i < n {
                    let c = bytes[i]
                    let atEnd = c == 0x2C || c == 0x0A || (c == 0x0D && (i + 1 == n || bytes[i + 1] == 0x0A))
                    if !atEnd {
                        throw TextError(.malformedRow, path: path, line: line, "a character follows a closing quote (expected a comma or the end of the line)")
                    }
                }
                continue
            }
            switch b {
            case 0x2C:
                fields.append(field)
                field = []
                rowHasContent = true
                i += 1
            case 0x0A:
                endRow()
                line += 1
                rowLine = line
                i += 1
            case 0x0D where i + 1 < n && bytes[i + 1] == 0x0A:
                i += 1
            default:
                field.append(b)
                rowHasContent = true
                i += 1
            }
        }
        if rowHasContent || !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }

    /// Whether byte `i` is inside an unquoted field that already has characters (then a quote is
    /// an ordinary character, as Python's csv module reads it).
    private static func fieldStarted(_ bytes: [UInt8], _ i: Int) -> Bool {
        i > 0 && bytes[i - 1] != 0x2C && bytes[i - 1] != 0x0A && bytes[i - 1] != 0x0D
    }
}
