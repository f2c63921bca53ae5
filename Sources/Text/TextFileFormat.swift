/// The layouts of a text dataset file that ``TextFileReader`` reads.
public enum TextFileFormat: String, Sendable, Hashable, CaseIterable {
    /// Tab-separated, a header line of column names, no quoting: GLUE's `.tsv` layout
    /// (`sentence\tlabel`, MRPC's `Quality\t#1 ID\t#2 ID\t#1 String\t#2 String`).
    case tsv
    /// Comma-separated with a header line, quoted as RFC 4180 says (`"…"` may hold commas and line
    /// breaks, `""` is a quote).
    case csv
    /// One JSON object per line; columns are keys. Text values are strings; a label may be a
    /// string, an integer or a boolean (its JSON text is the label).
    case jsonl
    /// Orange's `.tab`: tab-separated with three header lines (names; types such as `d`,
    /// `string`; flags such as `class`, `meta`), then the rows.
    case orangeTab = "tab"

    /// The format a file's extension names: `.tsv`, `.csv`, `.jsonl` (or `.json`), `.tab`.
    ///
    /// - Throws: ``TextError/Code/unknownFormat`` for any other name.
    public init(path: String) throws(TextError) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
        switch ext {
        case "tsv": self = .tsv
        case "csv": self = .csv
        case "jsonl", "json", "ndjson": self = .jsonl
        case "tab": self = .orangeTab
        default:
            throw TextError(.unknownFormat, path: path, "cannot tell the format from the name: expected .tsv, .csv, .jsonl or .tab")
        }
    }
}
