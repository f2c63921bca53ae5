internal import CZlib

/// Raw deflate (RFC 1951) through zlib, for gzip members and zip entries.
///
/// The whole input is handed to zlib with its true length, so corrupt or cut
/// data end in an error, never in a read past the input; the output grows in
/// 64 KiB steps and stops at `limit` bytes, so a small file that claims or
/// inflates to an absurd size cannot exhaust memory.
internal enum Inflate {
    enum Failure: Error {
        /// The deflate stream is malformed (zlib's message).
        case corrupt(String)
        /// The input ends before the deflate stream does.
        case truncated
        /// The stream inflates to more than `limit` bytes.
        case tooLarge
    }

    /// Inflates the raw deflate stream at the start of `input`; returns the
    /// bytes and how many input bytes the stream occupied.
    static func raw(_ input: UnsafeRawBufferPointer, limit: Int) throws(Failure) -> (bytes: [UInt8], consumed: Int) {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib cannot initialise")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var fed = 0
        while true {
            if stream.avail_in == 0 && fed < input.count {
                // zlib counts in UInt32: feed inputs over 4 GiB in pieces.
                let n = min(input.count - fed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: fed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(n)
                fed += n
            }
            let status = chunk.withUnsafeMutableBufferPointer { o -> Int32 in
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunk.count - Int(stream.avail_out)
            guard out.count <= limit - produced else { throw .tooLarge }
            out.append(contentsOf: chunk[0..<produced])
            switch status {
            case Z_STREAM_END:
                return (out, fed - Int(stream.avail_in))
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0 && fed == input.count:
                throw .truncated
            case Z_BUF_ERROR:
                continue
            default:
                throw .corrupt(stream.msg.map { String(cString: $0) } ?? "zlib status \(status)")
            }
        }
    }

    /// zlib's CRC-32 of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            var crc: uLong = 0
            var done = 0
            while done < b.count {
                let n = min(b.count - done, 1 << 30)
                crc = CZlib.crc32(crc, b.baseAddress! + done, uInt(n))
                done += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
