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
}
