import CheckpointIO
import Foundation

/// The top-level fields of a report's JSON object, read with errors that name
/// the file and the key.
struct JSONFields {
    let path: String
    private let object: [String: Any]

    /// Reads the JSON object in the file `path`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/unreadable`` when the file is missing,
    ///   ``CheckpointIO/CheckpointError/Code/invalidJSON`` when it is not JSON,
    ///   ``CheckpointIO/CheckpointError/Code/headerNotObject`` when it is not an object.
    init(path: String) throws(CheckpointError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(.unreadable, path: path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw CheckpointError(.invalidJSON, path: path, "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw CheckpointError(.headerNotObject, path: path, "not a JSON object") }
        self.path = path
        self.object = object
    }

    /// The objects of the list at `key`, `[]` when it is absent or null.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the key when the value is not a list of objects.
    func objects(_ key: String) throws(CheckpointError) -> [[String: Any]] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        guard let list = value as? [[String: Any]] else { throw CheckpointError(.invalidEntry, path: path, "key '\(key)': expected a list of objects") }
        return list
    }

    /// The number at `key`, nil when it is absent or null; `"inf"`, `"-inf"` and `"nan"` strings count as numbers.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the key when the value is of another type.
    func optionalDouble(_ key: String) throws(CheckpointError) -> Double? {
        switch object[key] {
        case nil, is NSNull: return nil
        case let s as String where ["inf", "-inf", "nan"].contains(s): return Double(s == "-inf" ? "-infinity" : s == "inf" ? "infinity" : "nan")
        case let x as NSNumber: return x.doubleValue
        default: break
        }
        throw CheckpointError(.invalidEntry, path: path, "key '\(key)': expected a number or null")
    }

    /// The number at `key`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the key when it is absent, null or not a number.
    func double(_ key: String) throws(CheckpointError) -> Double {
        guard let x = try optionalDouble(key) else { throw CheckpointError(.invalidEntry, path: path, "key '\(key)' is missing or null, expected a number") }
        return x
    }

    /// The integer at `key`, nil when absent or null.
    func optionalInteger(_ key: String) throws(CheckpointError) -> Int? {
        guard let x = try optionalDouble(key) else { return nil }
        guard x.isFinite, x == x.rounded(), abs(x) < 1e15 else {
            throw CheckpointError(.invalidEntry, path: path, "key '\(key)': expected an integer, got \(x)")
        }
        return Int(x)
    }

    /// The string at `key`, nil when absent or null.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the key when the value is not a string.
    func optionalString(_ key: String) throws(CheckpointError) -> String? {
        switch object[key] {
        case nil, is NSNull: return nil
        case let s as String: return s
        default: throw CheckpointError(.invalidEntry, path: path, "key '\(key)': expected a string")
        }
    }
}
