import Foundation

/// Locates the committed fixtures under `Tests/Fixtures/` and reads their
/// CSV/JSON expectations. Not API: for this package's tests only.
public enum Fixtures {
    /// The repository root (two levels above this file's directory).
    public static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// The absolute path of `Tests/Fixtures/<relative>`.
    public static func path(_ relative: String) -> String {
        root + "/Tests/Fixtures/" + relative
    }

    /// Rows of a simple CSV file (no quoted fields) as `[column: value]`.
    public static func csv(_ relative: String) throws -> [[String: String]] {
        try parseCSV(String(contentsOfFile: path(relative), encoding: .utf8))
    }

    /// Rows of simple CSV text (no quoted fields) as `[column: value]`.
    public static func parseCSV(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return [] }
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, fields))
        }
    }

    /// The header line of CSV text, split into column names.
    public static func csvColumns(_ text: String) -> [String] {
        (text.split(separator: "\n").first ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// A JSON file decoded with `JSONSerialization`.
    public static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    /// A fresh empty temporary directory.
    public static func temporaryDirectory(_ label: String = "test") throws -> String {
        let dir = NSTemporaryDirectory() + "intrinsic-dim-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
