#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// An append-only scratch file that holds bytes a writer produces long
/// before it can lay them out (tensor data whose header is not known yet),
/// so they need not stay in memory. Appends are serialized by a lock, so
/// several threads may append; each append returns where its bytes went.
///
/// The file is hidden (`.<stem>.spool-<pid>-<n>`), registered with
/// ``TemporaryFiles`` (an interrupt removes it) and removed when the spool
/// is deallocated. Unsafe pointer use is fenced here.
internal final class SpoolFile: Sendable {
    /// The scratch file's path, named in errors.
    let path: String
    private let fd: Int32
    private let token: TemporaryFiles.Token
    private let end = Mutex(0)

    private static let counter = Atomic<Int>(0)

    /// Creates an empty spool in `directory`, named after `stem`.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the path when the file cannot be created.
    init(directory: String, stem: String) throws(CheckpointError) {
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        path = (directory as NSString).appendingPathComponent(".\(stem).spool-\(getpid())-\(n)")
        token = TemporaryFiles.register(path)
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 {
            let e = errno
            TemporaryFiles.unregister(token)
            throw CheckpointError(.unreadable, path: path, "cannot create a spool file: \(String(cString: strerror(e)))", errno: e)
        }
    }

    deinit {
        close(fd)
        unlink(path)
        TemporaryFiles.unregister(token)
    }

    /// Appends `bytes` and returns the offset they start at.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming `name` (what the
    ///   bytes are) and the spool, with `errno` (`ENOSPC` for a full disk).
    func append(_ bytes: [UInt8], name: String) throws(CheckpointError) -> Int {
        let result: Result<Int, CheckpointError> = end.withLock { end in
            let start = end
            let failed: Int32? = bytes.withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    let n = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(start + written))
                    if n < 0 { if errno == EINTR { continue }; return errno }
                    written += n
                }
                return nil
            }
            if let e = failed {
                return .failure(CheckpointError(.unreadable, path: path,
                                                "cannot spool '\(name)': \(String(cString: strerror(e)))", errno: e))
            }
            end += bytes.count
            return .success(start)
        }
        return try result.get()
    }

    /// Reads `count` bytes at `offset` in pieces of at most `chunk` bytes and
    /// hands each to `body`, in order.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the spool when a read
    ///   fails or comes up short; what `body` throws.
    func read(offset: Int, count: Int, chunk: Int = 1 << 20,
              _ body: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(chunk, count)), alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let want = min(buffer.count, count - done)
            let n = pread(fd, buffer.baseAddress!, want, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let e = n < 0 ? errno : EIO
                throw CheckpointError(.unreadable, path: path, "cannot read back spooled bytes: \(String(cString: strerror(e)))", errno: e)
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += n
        }
    }
}

/// Calls `body` with the bytes of `array`, keeping `body`'s typed error
/// (`Array.withUnsafeBytes` rethrows untyped).
internal func withBytes(of array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) {
    var failure: CheckpointError?
    array.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Void in
        do throws(CheckpointError) { try body(raw) } catch { failure = error }
    }
    if let failure { throw failure }
}
