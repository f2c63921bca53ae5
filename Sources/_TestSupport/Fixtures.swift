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

extension Fixtures {
    /// A little-endian `<i8`/`<f8` `.npy` fixture's raw 8-byte words, read
    /// without the library (for integer arrays, which the toolkit's float
    /// readers reject by design).
    public static func npyWords(_ relative: String) throws -> [UInt64] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        let bytes = [UInt8](data)
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = (major == 1 ? 10 : 12) + headerLength
        return stride(from: start, to: bytes.count, by: 8).map { o in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) }
        }
    }

    /// A little-endian `<f8` `.npy` fixture as doubles (C order).
    public static func npyDoubles(_ relative: String) throws -> [Double] {
        try npyWords(relative).map { Double(bitPattern: $0) }
    }

    /// A little-endian `<i8` `.npy` fixture as integers (C order).
    public static func npyInts(_ relative: String) throws -> [Int] {
        try npyWords(relative).map { Int(Int64(bitPattern: $0)) }
    }
}
