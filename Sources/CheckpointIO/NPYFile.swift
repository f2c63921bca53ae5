/// A NumPy `.npy` array (format versions 1.0, 2.0 and 3.0), memory-mapped
/// when read from disk.
///
/// Format: magic `\x93NUMPY`, major and minor version bytes, a
/// little-endian header length (u16 for 1.0, u32 for 2.0/3.0), then a Python
/// dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
/// padded with spaces and a newline, then the raw data. Real float dtypes
/// (`f2`, `f4`, `f8`) are read as numbers (``TensorDescriptor/decode(chunkElements:_:)``),
/// integer and bool dtypes (`i1`…`u8`, `b1`) as integers
/// (``TensorDescriptor/readIntegers()``: dataset labels), in either byte order.
/// Fortran-ordered arrays are presented in C order by the descriptor.
public struct NPYFile: Sendable {
    /// The path the array came from (for an `.npz` member: `archive.npz:member.npy`).
    public let path: String
    /// The array.
    public let tensor: TensorDescriptor

    /// Maps and parses the `.npy` file at `path`; the tensor is named after
    /// the file's stem (`dir/weights.npy` → `weights`).
    public init(path: String) throws(CheckpointError) {
        let region = try ByteRegion.map(path: path)
        let stem = String((path.split(separator: "/").last ?? Substring(path)).dropLast(path.hasSuffix(".npy") ? 4 : 0))
        try self.init(path: path, name: stem, region: region)
    }

    /// Parses `bytes` as the contents of a `.npy` file (fuzzing and tests):
    /// the same checks on an owned copy instead of a mapping.
    package init(path: String, name: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        try self.init(path: path, name: name, region: ByteRegion(copying: bytes))
    }

    internal init(path: String, name: String, region: ByteRegion) throws(CheckpointError) {
        self.path = path
        func fail(_ code: CheckpointError.Code, _ detail: String) -> CheckpointError {
            CheckpointError(code, path: path, tensor: nil, detail)
        }
        let size = region.count
        if size == 0 { throw fail(.emptyFile, "empty file (0 bytes), not a .npy file") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        let head = region.withBytes(offset: 0, count: min(size, 12)) { Array($0) }
        guard head.count >= 6, Array(head[0..<6]) == magic else {
            throw fail(.badMagic, "does not start with the .npy magic \\x93NUMPY")
        }
        guard head.count >= 10 else { throw fail(.truncated, "file of \(size) bytes ends inside the .npy preamble") }
        let (major, minor) = (head[6], head[7])
        let headerLength: Int
        let headerStart: Int
        switch (major, minor) {
        case (1, 0):
            headerLength = Int(UInt16(head[8]) | UInt16(head[9]) << 8)
            headerStart = 10
        case (2, 0), (3, 0):
            guard head.count >= 12 else { throw fail(.truncated, "file of \(size) bytes ends inside the .npy preamble") }
            headerLength = Int(UInt32(head[8]) | UInt32(head[9]) << 8 | UInt32(head[10]) << 16 | UInt32(head[11]) << 24)
            headerStart = 12
        default:
            throw fail(.unsupportedVersion, ".npy format version \(major).\(minor) is not 1.0, 2.0 or 3.0")
        }
        guard headerLength <= size - headerStart else {
            throw fail(.badNpyHeader, "header length \(headerLength) runs past the end of the \(size)-byte file")
        }
        let headerBytes = region.withBytes(offset: headerStart, count: headerLength) { Array($0) }
        // 1.0/2.0 headers are latin-1, 3.0 UTF-8; the keys and values we accept are ASCII.
        let text = major == 3 ? String(decoding: headerBytes, as: UTF8.self)
                              : String(headerBytes.map { Character(Unicode.Scalar($0)) })
        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: text)
        } catch {
            throw fail(.badNpyHeader, "header \(error.message): \(text.trimmingWhitespace())")
        }
        guard let (dtype, bigEndian) = header.dtype else {
            throw fail(.unsupportedDType, "dtype '\(header.descr)' is neither a real float (float16/32/64) nor an integer or bool")
        }
        var count = 1
        for d in header.shape {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            if o { throw fail(.elementCountOverflow, "shape \(header.shape) has more elements than fit in 64 bits") }
            count = p
        }
        let (bytes, o) = count.multipliedReportingOverflow(by: dtype.bitWidth / 8)
        if o { throw fail(.elementCountOverflow, "shape \(header.shape) has more bytes than fit in 64 bits") }
        let dataStart = headerStart + headerLength
        guard bytes <= size - dataStart else {
            throw fail(.truncated, "shape \(header.shape) of '\(header.descr)' needs \(bytes) data bytes but the file holds \(size - dataStart)")
        }
        tensor = TensorDescriptor(name: name, dtype: dtype, shape: header.shape, path: path, region: region,
                                  byteOffset: dataStart, byteCount: bytes, elementCount: count,
                                  isFortranOrder: header.fortranOrder, isBigEndian: bigEndian)
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        return String(s)
    }
}
