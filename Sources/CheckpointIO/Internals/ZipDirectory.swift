/// The members of a zip archive (PKWARE APPNOTE 6.3), read from its central
/// directory, as far as `.npz` files need: stored and deflated members,
/// ZIP64 sizes and offsets (NumPy writes every member with `force_zip64`),
/// one disk, no encryption.
///
/// Every offset and size read from the file is checked against the file's
/// length before it is used; an entry's data must lie inside the file and
/// inflate to exactly its recorded size and CRC-32.
internal struct ZipDirectory {
    struct Member {
        let name: String
        let method: UInt16
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    struct Failure: Error { let message: String }

    let members: [Member]

    private static let endOfCentralDirectory: UInt32 = 0x0605_4B50
    private static let zip64Locator: UInt32 = 0x0706_4B50
    private static let zip64End: UInt32 = 0x0606_4B50
    private static let centralHeader: UInt32 = 0x0201_4B50
    private static let localHeader: UInt32 = 0x0403_4B50

    init(_ b: UnsafeRawBufferPointer) throws(Failure) {
        let r = Reader(b)
        // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535.
        guard b.count >= 22 else { throw Failure(message: "file of \(b.count) bytes is shorter than a zip end record") }
        var eocd = -1
        var at = b.count - 22
        while at >= max(0, b.count - 22 - 0xFFFF) {
            if r.u32(at) == Self.endOfCentralDirectory { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw Failure(message: "no end-of-central-directory record (not a zip archive)") }
        var entries = UInt64(r.u16(eocd + 10))
        var directorySize = UInt64(r.u32(eocd + 12))
        var directoryOffset = UInt64(r.u32(eocd + 16))
        if entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            guard eocd >= 20, r.u32(eocd - 20) == Self.zip64Locator else {
                throw Failure(message: "end record defers to a ZIP64 record, but there is no ZIP64 locator")
            }
            let end = try Self.offset(r.u64(eocd - 12), length: 56, in: b.count, "ZIP64 end record")
            guard r.u32(end) == Self.zip64End else { throw Failure(message: "ZIP64 locator points at \(end), which is not a ZIP64 end record") }
            entries = r.u64(end + 32)
            directorySize = r.u64(end + 40)
            directoryOffset = r.u64(end + 48)
        }
        let start = try Self.offset(directoryOffset, length: 0, in: b.count, "central directory")
        guard directorySize <= UInt64(b.count - start) else {
            throw Failure(message: "central directory of \(directorySize) bytes at \(start) runs past the end of the \(b.count)-byte file")
        }
        var members: [Member] = []
        var p = start
        for k in 0..<entries {
            guard p + 46 <= b.count, r.u32(p) == Self.centralHeader else {
                throw Failure(message: "central directory entry \(k) at \(p) is missing or cut short")
            }
            let flags = r.u16(p + 8), method = r.u16(p + 10), crc = r.u32(p + 16)
            var compressed = UInt64(r.u32(p + 20)), size = UInt64(r.u32(p + 24))
            let nameLength = Int(r.u16(p + 28)), extraLength = Int(r.u16(p + 30)), commentLength = Int(r.u16(p + 32))
            var local = UInt64(r.u32(p + 42))
            let next = p + 46 + nameLength + extraLength + commentLength
            guard next <= b.count else { throw Failure(message: "central directory entry \(k) at \(p) runs past the end of the file") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
            // ZIP64 extended information (header 0x0001): the 8-byte values whose 4-byte fields are 0xFFFFFFFF, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = r.u16(e), length = Int(r.u16(e + 2))
                guard e + 4 + length <= extraEnd else { throw Failure(message: "member '\(name)': extra field runs past its entry") }
                if id == 0x0001 {
                    var q = e + 4
                    let fieldEnd = e + 4 + length
                    func wide() throws(Failure) -> UInt64 {
                        guard q + 8 <= fieldEnd else { throw Failure(message: "member '\(name)': ZIP64 extra field is too short") }
                        defer { q += 8 }
                        return r.u64(q)
                    }
                    if size == 0xFFFF_FFFF { size = try wide() }
                    if compressed == 0xFFFF_FFFF { compressed = try wide() }
                    if local == 0xFFFF_FFFF { local = try wide() }
                }
                e += 4 + length
            }
            if flags & 0x0001 != 0 { throw Failure(message: "member '\(name)' is encrypted") }
            let localOffset = try Self.offset(local, length: 30, in: b.count, "member '\(name)' local header")
            guard compressed <= UInt64(Int.max), size <= UInt64(Int.max) else {
                throw Failure(message: "member '\(name)': sizes \(compressed) and \(size) do not fit in 64-bit signed integers")
            }
            members.append(Member(name: name, method: method, crc: crc, compressedSize: Int(compressed), size: Int(size),
                                  localHeaderOffset: localOffset))
            p = next
        }
        self.members = members
    }

    /// `value` as an offset with `length` bytes after it inside a file of `count` bytes.
    private static func offset(_ value: UInt64, length: Int, in count: Int, _ what: String) throws(Failure) -> Int {
        guard value <= UInt64(count), Int(value) <= count - length else {
            throw Failure(message: "\(what) at offset \(value) lies outside the \(count)-byte file")
        }
        return Int(value)
    }

    /// The uncompressed bytes of `m`, checked against its size and CRC-32.
    static func extract(_ m: Member, from b: UnsafeRawBufferPointer) throws(Failure) -> [UInt8] {
        let r = Reader(b)
        let h = m.localHeaderOffset
        guard r.u32(h) == Self.localHeader else { throw Failure(message: "member '\(m.name)': no local header at offset \(h)") }
        let dataStart = h + 30 + Int(r.u16(h + 26)) + Int(r.u16(h + 28))
        guard dataStart <= b.count, m.compressedSize <= b.count - dataStart else {
            throw Failure(message: "member '\(m.name)': \(m.compressedSize) bytes of data at \(dataStart) run past the end of the \(b.count)-byte file")
        }
        let data = UnsafeRawBufferPointer(rebasing: b[dataStart..<(dataStart + m.compressedSize)])
        let bytes: [UInt8]
        switch m.method {
        case 0:
            guard m.compressedSize == m.size else {
                throw Failure(message: "member '\(m.name)' is stored, but its sizes differ (\(m.compressedSize) stored, \(m.size) recorded)")
            }
            bytes = Array(data)
        case 8:
            do {
                bytes = try Inflate.raw(data, limit: m.size).bytes
            } catch {
                switch error {
                case .truncated: throw Failure(message: "member '\(m.name)': deflate data are cut short")
                case let .corrupt(message): throw Failure(message: "member '\(m.name)': deflate data are corrupt (\(message))")
                case .tooLarge: throw Failure(message: "member '\(m.name)' inflates to more than its recorded \(m.size) bytes")
                }
            }
            guard bytes.count == m.size else {
                throw Failure(message: "member '\(m.name)' inflates to \(bytes.count) bytes, but its recorded size is \(m.size)")
            }
        default:
            throw Failure(message: "member '\(m.name)': compression method \(m.method) is neither stored (0) nor deflate (8)")
        }
        let crc = Inflate.crc32(bytes)
        guard crc == m.crc else {
            throw Failure(message: "member '\(m.name)': CRC-32 \(String(crc, radix: 16)) differs from the recorded \(String(m.crc, radix: 16))")
        }
        return bytes
    }

    /// Little-endian reads; callers check bounds first.
    private struct Reader {
        let b: UnsafeRawBufferPointer
        init(_ b: UnsafeRawBufferPointer) { self.b = b }
        func u16(_ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) | UInt32(u16(o + 2)) << 16 }
        func u64(_ o: Int) -> UInt64 { UInt64(u32(o)) | UInt64(u32(o + 4)) << 32 }
    }
}
