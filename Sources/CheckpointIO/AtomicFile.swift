#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes
/// go to a temporary file in the same directory (`.<name>.tmp-<pid>`), are
/// flushed with `fsync`, and the temporary file is renamed over the target
/// (`rename(2)` is atomic within a file system). On any failure (a full
/// disk included) the temporary file is removed and the target is left as it
/// was: its old complete content, or absent.
///
/// Every temporary file is registered in ``TemporaryFiles`` while it exists,
/// so an interrupt handler can remove it; the rename happens under that
/// registry's lock, so an interrupt never removes a file half-published.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the path and
    ///   `errno` (`ENOSPC` for a full disk) when the directory is not writable,
    ///   the disk is full or the rename fails.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws(CheckpointError) {
        var files = Staging()
        try files.write(bytes, to: path)
        try commit(files.staged)
    }

    /// Writes a file produced in pieces to `path` atomically (see
    /// ``Staging/write(to:producing:)``), never holding it in memory whole.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the path and `errno`.
    public static func write(
        to path: String,
        producing produce: (_ sink: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) -> Void
    ) throws(CheckpointError) {
        var files = Staging()
        try files.write(to: path, producing: produce)
        try commit(files.staged)
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(text: String, to path: String) throws(CheckpointError) {
        try write(Array(text.utf8), to: path)
    }

    /// Files that ``writeTogether(_:)`` writes: each goes to its temporary
    /// file when given, and all are renamed into place at the end, in the order given.
    public struct Staging {
        fileprivate var staged: [(temporary: String, path: String, token: TemporaryFiles.Token)] = []

        /// Writes `bytes` to a temporary file beside `path` (flushed, not yet in place).
        ///
        /// - Throws: ``CheckpointError/Code/unreadable`` naming `path` and `errno`.
        public mutating func write(_ bytes: some Collection<UInt8>, to path: String) throws(CheckpointError) {
            let array = Array(bytes)
            try write(to: path) { (sink: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) in
                try withBytes(of: array, sink)
            }
        }

        /// Writes a file that is produced in pieces, so it never has to be held
        /// in memory whole: `produce` calls the sink it is given with each
        /// consecutive piece of the file's bytes. Otherwise as ``write(_:to:)``.
        ///
        /// - Throws: ``CheckpointError/Code/unreadable`` naming `path` and `errno`,
        ///   or what `produce` throws (the temporary file is then removed).
        public mutating func write(
            to path: String,
            producing produce: (_ sink: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) -> Void
        ) throws(CheckpointError) {
            let url = URL(fileURLWithPath: path)
            let dir = url.deletingLastPathComponent().path
            let tmp = (dir as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
            precondition(!staged.contains { $0.path == path }, "AtomicFile.Staging: '\(path)' written twice")
            let token = TemporaryFiles.register(tmp)
            do {
                try AtomicFile.writeFile(temporary: tmp, for: path, directory: dir, produce)
            } catch {
                unlink(tmp)
                TemporaryFiles.unregister(token)
                throw error
            }
            staged.append((tmp, path, token))
        }

        /// Writes `text` as UTF-8 (see ``write(_:to:)``).
        public mutating func write(text: String, to path: String) throws(CheckpointError) {
            try write(Array(text.utf8), to: path)
        }
    }

    /// Writes several files so that they appear together: `body` writes each
    /// to its temporary file; when it returns, all are renamed into place under
    /// the interrupt lock (an interrupt sees none or all of them in place). When
    /// `body` or a write throws, every temporary file is removed and no target changes.
    ///
    /// - Throws: what `body` throws; ``CheckpointError/Code/unreadable`` for a failed write or rename.
    public static func writeTogether<R>(_ body: (inout Staging) throws -> R) throws -> R {
        var files = Staging()
        let value: R
        do {
            value = try body(&files)
        } catch {
            discard(files.staged)
            throw error
        }
        try commit(files.staged)
        return value
    }

    /// Renames every staged file into place under the interrupt lock.
    private static func commit(_ staged: [(temporary: String, path: String, token: TemporaryFiles.Token)]) throws(CheckpointError) {
        #if DEBUG
        holdForTests()
        #endif
        let failed: CheckpointError? = TemporaryFiles.publishing(unregistering: staged.map(\.token)) {
            for s in staged where rename(s.temporary, s.path) != 0 {
                return failure(s.path, "cannot rename the temporary file into place")
            }
            return nil
        }
        if let failed {
            discard(staged)
            throw failed
        }
    }

    #if DEBUG
    /// Debug builds only: with `INTRINSIC_DIM_TEST_HOLD_BEFORE_RENAME=<seconds>` in
    /// the environment, every commit waits that long with its temporary files
    /// written, so the interrupt tests can signal a command in the middle of a write.
    private static func holdForTests() {
        guard let value = getenv("INTRINSIC_DIM_TEST_HOLD_BEFORE_RENAME"),
              let seconds = Double(String(cString: value)), seconds > 0 else { return }
        // A signal's handler may wake the sleep early (EINTR); sleep out the rest.
        var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var request = left
        while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
    }
    #endif

    private static func discard(_ staged: [(temporary: String, path: String, token: TemporaryFiles.Token)]) {
        for s in staged {
            unlink(s.temporary)
            TemporaryFiles.unregister(s.token)
        }
    }

    /// Creates `tmp`, writes every piece `produce` hands to its sink, flushes
    /// and closes it; on failure `tmp` may remain (the caller removes it).
    fileprivate static func writeFile(
        temporary tmp: String, for path: String, directory dir: String,
        _ produce: ((UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) -> Void
    ) throws(CheckpointError) {
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure(path, "cannot create a temporary file in \(dir)") }
        do {
            try produce { (raw: UnsafeRawBufferPointer) throws(CheckpointError) in
                var written = 0
                while written < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure(path, "cannot write")
                    }
                    written += n
                }
            }
        } catch {
            close(fd)
            throw error
        }
        if fsync(fd) != 0 { let e = errno; close(fd); throw failure(path, "cannot flush", e) }
        if close(fd) != 0 { throw failure(path, "cannot close") }
    }

    /// Appends `line` plus a newline to `path` (created if missing) on an
    /// `O_APPEND` descriptor, then `fsync`. The write happens under the
    /// interrupt lock (see ``TemporaryFiles``), so an interrupt never splits a
    /// line; when the write fails part-way (a full disk), the file is truncated
    /// back to its old length. A crash (power loss, `kill -9`) can still leave
    /// a partial last line (no newline), which readers of such journals must ignore.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the path and `errno`.
    public static func appendLine(_ line: String, to path: String) throws(CheckpointError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure(path, "cannot open for appending") }
        let bytes = Array((line + "\n").utf8)
        let failed: Int32? = TemporaryFiles.publishing {
            let end = lseek(fd, 0, SEEK_END)
            return bytes.withUnsafeBytes { raw -> Int32? in
                var written = 0
                while written < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        let e = errno
                        if written > 0 && end >= 0 { _ = ftruncate(fd, end) }
                        return e
                    }
                    written += n
                }
                return nil
            }
        }
        if let e = failed { close(fd); throw failure(path, "cannot append", e) }
        if fsync(fd) != 0 { let e = errno; close(fd); throw failure(path, "cannot flush", e) }
        if close(fd) != 0 { throw failure(path, "cannot close") }
    }

    private static func failure(_ path: String, _ what: String, _ e: Int32 = errno) -> CheckpointError {
        CheckpointError(.unreadable, path: path, "\(what): \(String(cString: strerror(e)))", errno: e)
    }
}
