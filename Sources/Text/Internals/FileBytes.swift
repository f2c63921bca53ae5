#if canImport(Glibc)
import Glibc
#endif

/// Reads whole files as bytes, with errors that name the file and `errno`.
enum FileBytes {
    /// The bytes of the file at `path`.
    static func read(_ path: String) throws(TextError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw unreadable(path, "cannot open") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw unreadable(path, "cannot stat") }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw TextError(.unreadable, path: path, "is a directory, not a file", errno: EISDIR)
        }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0))
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(4096, bytes.count))) }
            let n = bytes.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, "cannot read")
            }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Whether a regular file (or a link to one) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
    }

    private static func unreadable(_ path: String, _ what: String) -> TextError {
        let e = errno
        return TextError(.unreadable, path: path, "\(what): \(String(cString: strerror(e)))", errno: e)
    }
}
