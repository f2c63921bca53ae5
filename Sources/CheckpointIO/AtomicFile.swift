#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes
/// go to a temporary file in the same directory (`.<name>.tmp-<pid>`), are
/// flushed with `fsync`, and the temporary file is renamed over the target
/// (`rename(2)` is atomic within a file system). On any failure the
/// temporary file is removed and the target is left as it was.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` (naming the path and
    ///   `errno`) when the directory is not writable or the disk is full.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws(CheckpointError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = (dir as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure(path, "cannot create a temporary file in \(dir)") }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        let array = Array(bytes)
        var written = 0
        let result: Bool = array.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        if !result { let e = errno; close(fd); throw failure(path, "cannot write", e) }
        if fsync(fd) != 0 { let e = errno; close(fd); throw failure(path, "cannot flush", e) }
        if close(fd) != 0 { throw failure(path, "cannot close") }
        if rename(tmp, path) != 0 { throw failure(path, "cannot rename the temporary file into place") }
        ok = true
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(text: String, to path: String) throws(CheckpointError) {
        try write(Array(text.utf8), to: path)
    }

    /// Appends `line` plus a newline to `path` (created if missing) with one
    /// `write(2)` on an `O_APPEND` descriptor, then `fsync`. A crash can leave
    /// at most a partial last line (no newline), which readers of such
    /// journals must ignore.
    public static func appendLine(_ line: String, to path: String) throws(CheckpointError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure(path, "cannot open for appending") }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        if n != bytes.count { let e = errno; close(fd); throw failure(path, "cannot append", e) }
        if fsync(fd) != 0 { let e = errno; close(fd); throw failure(path, "cannot flush", e) }
        if close(fd) != 0 { throw failure(path, "cannot close") }
    }

    private static func failure(_ path: String, _ what: String, _ e: Int32 = errno) -> CheckpointError {
        CheckpointError(.unreadable, path: path, "\(what): \(String(cString: strerror(e)))", errno: e)
    }
}
