#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Read-only bytes behind one or more tensors: a memory-mapped file (never
/// read whole; pages are faulted in on access) or an owned copy (a
/// decompressed `.npz` member).
///
/// Unsafe pointer use is fenced here: the base address never escapes
/// except through ``withBytes(offset:count:_:)``.
internal final class ByteRegion: @unchecked Sendable {
    private let base: UnsafeRawPointer?
    /// Length in bytes.
    let count: Int
    private let isMapped: Bool

    private init(base: UnsafeRawPointer?, count: Int, isMapped: Bool) {
        self.base = base
        self.count = count
        self.isMapped = isMapped
    }

    deinit {
        guard let base else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    /// Maps `path` read-only (`mmap(PROT_READ, MAP_PRIVATE)`).
    static func map(path: String) throws(CheckpointError) -> ByteRegion {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            throw CheckpointError(.unreadable, path: path, "cannot open: \(String(cString: strerror(e)))", errno: e)
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            throw CheckpointError(.unreadable, path: path, "cannot stat: \(String(cString: strerror(e)))", errno: e)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw CheckpointError(.unreadable, path: path, "is a directory, not a file", errno: EISDIR)
        }
        let size = Int(st.st_size)
        if size == 0 { return ByteRegion(base: nil, count: 0, isMapped: false) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            let e = errno
            throw CheckpointError(.unreadable, path: path, "cannot map \(size) bytes: \(String(cString: strerror(e)))", errno: e)
        }
        return ByteRegion(base: UnsafeRawPointer(p), count: size, isMapped: true)
    }

    /// An owned copy of `data`.
    init(copying data: Data) {
        count = data.count
        isMapped = false
        if data.isEmpty {
            base = nil
        } else {
            let p = UnsafeMutableRawPointer.allocate(byteCount: data.count, alignment: 16)
            data.copyBytes(to: p.assumingMemoryBound(to: UInt8.self), count: data.count)
            base = UnsafeRawPointer(p)
        }
    }

    /// An owned copy of `bytes`, allocated at exactly their length (so that an
    /// address sanitizer sees any read past the end).
    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        isMapped = false
        if let src = bytes.baseAddress, bytes.count > 0 {
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            p.copyMemory(from: src, byteCount: bytes.count)
            base = UnsafeRawPointer(p)
        } else {
            base = nil
        }
    }

    /// Calls `body` with `count` bytes starting at `offset`.
    ///
    /// - Precondition: the range lies within the region.
    func withBytes<R, E: Error>(
        offset: Int, count n: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        precondition(offset >= 0 && n >= 0 && offset <= count && n <= count - offset,
                     "ByteRegion: range \(offset)+\(n) outside \(count) bytes")
        guard let base else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + offset, count: n))
    }

    /// Tells the kernel this process no longer needs the pages of a byte
    /// range (`madvise(MADV_DONTNEED)`), so a mapped checkpoint does not stay
    /// in the resident set after its tensor is processed. The data stay in
    /// the page cache; a later read faults them back in. No effect on owned copies.
    func releasePages(offset: Int, count n: Int) {
        guard isMapped, let base, n > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset / page) * page
        let end = min(count, offset + n)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }
}
