import CheckpointIO
import Foundation

/// Output directories of reports.
public enum ReportDirectory {
    /// Creates `path` (and its parents) if missing.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/unreadable`` naming the
    ///   path when it exists as a file or cannot be created.
    public static func create(_ path: String) throws(CheckpointError) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { return }
            throw CheckpointError(.unreadable, path: path, "exists and is not a directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(.unreadable, path: path, "cannot create the output directory (\(error.localizedDescription))")
        }
    }

    /// Copies the directory `source` to `destination` (which must not exist)
    /// through a temporary sibling and a rename, so `destination` appears whole or not at all.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/unreadable`` naming the path that failed.
    public static func copyAtomically(_ source: String, to destination: String) throws(CheckpointError) {
        let temporary = destination + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        // Registered so an interrupt removes a half-made copy (see TemporaryFiles).
        let token = TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(token) }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CheckpointError(.unreadable, path: source, "cannot copy to \(destination) (\(error.localizedDescription))")
        }
        let moved: (any Error)? = TemporaryFiles.publishing(unregistering: [token]) {
            do { try FileManager.default.moveItem(atPath: temporary, toPath: destination) } catch { return error }
            return nil
        }
        if let error = moved {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CheckpointError(.unreadable, path: destination, "cannot move the copy into place (\(error.localizedDescription))")
        }
    }
}
