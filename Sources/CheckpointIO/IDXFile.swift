/// An IDX file, the format of MNIST and Fashion-MNIST (LeCun et al.): a
/// 4-byte magic number `0x00 0x00 <type> <dims>`, then `dims` big-endian
/// 32-bit sizes, then the data, big-endian, C order. A `.gz` file (gzip) is
/// inflated on the fly and checked against its CRC-32 and length.
///
/// Type codes: 0x08 unsigned byte, 0x09 signed byte, 0x0B 16-bit int,
/// 0x0C 32-bit int, 0x0D float32, 0x0E float64.
///
/// Errors name the file and the field: a non-zero first magic byte
/// (``CheckpointError/Code/badMagic``), an unknown type code
/// (``CheckpointError/Code/unsupportedDType``), a header or data shorter than
/// the sizes require (``CheckpointError/Code/truncated``), bytes past the data
/// (``CheckpointError/Code/trailingBytes``).
public struct IDXFile: Sendable {
    /// The element type of an IDX file.
    public enum ElementType: UInt8, Sendable, CaseIterable {
        /// The type codes of the magic number's third byte: unsigned byte (0x08),
        /// signed byte (0x09), big-endian 16- and 32-bit integers (0x0B, 0x0C),
        /// float32 (0x0D) and float64 (0x0E).
        case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E
        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// The file's path.
    public let path: String
    /// The element type.
    public let elementType: ElementType
    /// The sizes, outermost first (MNIST images: [count, 28, 28]).
    public let shape: [Int]
    /// The raw data, big-endian.
    private let data: [UInt8]

    /// The number of elements.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Reads and validates the file at `path` (gzip-compressed or not).
    public init(path: String) throws(CheckpointError) {
        let region = try ByteRegion.map(path: path)
        let raw: [UInt8] = try region.withBytes(offset: 0, count: region.count) { (b) throws(CheckpointError) -> [UInt8] in
            Gzip.isGzip(b) ? try Gzip.inflate(b, path: path) : Array(b)
        }
        try self.init(path: path, raw: raw)
    }

    /// Validates `bytes` as the contents of the file `path` (fuzzing and
    /// tests), gzip-compressed or not.
    package init(path: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        try self.init(path: path, raw: Gzip.isGzip(bytes) ? Gzip.inflate(bytes, path: path) : Array(bytes))
    }

    private init(path: String, raw: [UInt8]) throws(CheckpointError) {
        self.path = path
        func fail(_ code: CheckpointError.Code, _ detail: String) -> CheckpointError {
            CheckpointError(code, path: path, detail)
        }
        if raw.isEmpty { throw fail(.emptyFile, "empty file (0 bytes), not an IDX file") }
        guard raw.count >= 4 else { throw fail(.truncated, "magic number: file of \(raw.count) bytes is shorter than 4") }
        guard raw[0] == 0, raw[1] == 0 else {
            throw fail(.badMagic, "magic number: bytes 0–1 are \(raw[0]), \(raw[1]), not 0, 0 (not an IDX file)")
        }
        guard let type = ElementType(rawValue: raw[2]) else {
            throw fail(.unsupportedDType, "magic number: type code 0x\(String(raw[2], radix: 16)) is not one of 08, 09, 0B, 0C, 0D, 0E")
        }
        let dims = Int(raw[3])
        guard dims >= 1 else { throw fail(.invalidEntry, "magic number: dimension count is 0") }
        guard raw.count >= 4 + 4 * dims else {
            throw fail(.truncated, "dimension sizes: \(dims) sizes need \(4 * dims) bytes after the magic number, file has \(raw.count - 4)")
        }
        var shape: [Int] = []
        var count = 1
        for d in 0..<dims {
            let o = 4 + 4 * d
            let size = Int(raw[o]) << 24 | Int(raw[o + 1]) << 16 | Int(raw[o + 2]) << 8 | Int(raw[o + 3])
            shape.append(size)
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { throw fail(.elementCountOverflow, "dimension sizes: \(shape)… have more elements than fit in 64 bits") }
            count = product
        }
        let header = 4 + 4 * dims
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow, bytes <= raw.count - header else {
            throw fail(.truncated, "data: sizes \(shape) of \(type) need \(overflow ? "more than 2⁶³" : String(bytes)) bytes, file has \(raw.count - header)")
        }
        guard bytes == raw.count - header else {
            throw fail(.trailingBytes, "data: \(raw.count - header - bytes) bytes after the \(bytes) that sizes \(shape) of \(type) need")
        }
        self.elementType = type
        self.shape = shape
        self.data = Array(raw[header...])
    }

    /// The elements as unsigned bytes (type 0x08 only), e.g. pixels 0…255.
    ///
    /// - Precondition: `elementType == .uint8`.
    public func uint8Values() -> [UInt8] {
        precondition(elementType == .uint8, "IDXFile: \(path) holds \(elementType), not unsigned bytes")
        return data
    }

    /// The elements as `Double`, whatever the type (converted from big-endian).
    public func doubleValues() -> [Double] {
        let n = elementCount
        var out = [Double](repeating: 0, count: n)
        data.withUnsafeBytes { b in
            switch elementType {
            case .uint8: for i in 0..<n { out[i] = Double(b[i]) }
            case .int8: for i in 0..<n { out[i] = Double(Int8(bitPattern: b[i])) }
            case .int16: for i in 0..<n { out[i] = Double(Int16(bigEndian: b.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
            case .int32: for i in 0..<n { out[i] = Double(Int32(bigEndian: b.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .float32:
                for i in 0..<n { out[i] = Double(Float(bitPattern: UInt32(bigEndian: b.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
            case .float64:
                for i in 0..<n { out[i] = Double(bitPattern: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            }
        }
        return out
    }
}
