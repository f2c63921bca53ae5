/// Reads a gzip member (RFC 1952): header (with optional extra field, name,
/// comment and header CRC), raw deflate data, then CRC-32 and size of the
/// uncompressed data, both little-endian. The inflated bytes are checked
/// against both, so a truncated or corrupted file is an error, not short data.
internal enum Gzip {
    static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    static func inflate(_ bytes: UnsafeRawBufferPointer, path: String) throws(CheckpointError) -> [UInt8] {
        func fail(_ detail: String) -> CheckpointError { CheckpointError(.truncated, path: path, "gzip: " + detail) }
        guard bytes.count >= 18 else { throw fail("file of \(bytes.count) bytes is shorter than a gzip header and trailer") }
        guard bytes[2] == 8 else { throw CheckpointError(.invalidArchive, path: path, "gzip: compression method \(bytes[2]) is not deflate") }
        let flags = bytes[3]
        var i = 10
        if flags & 0x04 != 0 {  // FEXTRA: a little-endian length, then that many bytes
            guard i + 2 <= bytes.count else { throw fail("header ends inside the extra field") }
            i += 2 + (Int(bytes[i]) | Int(bytes[i + 1]) << 8)
        }
        for bit: UInt8 in [0x08, 0x10] where flags & bit != 0 {  // FNAME, FCOMMENT: zero-terminated
            while i < bytes.count && bytes[i] != 0 { i += 1 }
            i += 1
        }
        if flags & 0x02 != 0 { i += 2 }  // FHCRC
        guard i + 8 <= bytes.count else { throw fail("header runs past the end of the file") }
        let body = i, end = bytes.count - 8
        func le32(_ o: Int) -> UInt32 { UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24 }
        let expectedCRC = le32(end), expectedSize = le32(end + 4)
        let out: [UInt8]
        do {
            // The trailer's size is the length modulo 2³², so it bounds nothing; deflate
            // expands at most ~1032:1, which zlib enforces by construction.
            out = try Inflate.raw(UnsafeRawBufferPointer(rebasing: bytes[body..<end]), limit: Int.max).bytes
        } catch {
            switch error {
            case .truncated: throw fail("deflate data end before the deflate stream does: the file is cut short")
            case let .corrupt(message): throw fail("deflate data are corrupt (\(message))")
            case .tooLarge: throw fail("deflate data inflate to more bytes than fit in memory")
            }
        }
        let crc = Inflate.crc32(out)
        guard crc == expectedCRC, UInt32(truncatingIfNeeded: out.count) == expectedSize else {
            throw fail("inflated \(out.count) bytes with CRC-32 \(String(crc, radix: 16)), but the trailer records \(expectedSize) bytes with \(String(expectedCRC, radix: 16)): the file is truncated or corrupt")
        }
        return out
    }
}
