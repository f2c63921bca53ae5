/// Builds a `.safetensors` file: tensors are laid out in the order added,
/// contiguous from offset 0, little-endian, C order; the JSON header is
/// padded with spaces to a multiple of 8 bytes (as the reference writer
/// does), so every tensor's data start 8-byte aligned when sizes allow.
public struct SafetensorsWriter: Sendable {
    /// A tensor's data: in memory, a range of a ``SpoolFile``, a stored tensor
    /// copied when the file is written, or bytes produced when the file is written.
    enum Bytes: Sendable {
        case owned([UInt8])
        case spooled(SpoolFile, offset: Int, count: Int)
        case copied(TensorDescriptor)
        case deferred(count: Int, @Sendable () throws(CheckpointError) -> [UInt8])

        var count: Int {
            switch self {
            case .owned(let b): return b.count
            case .spooled(_, _, let n): return n
            case .copied(let t): return t.byteCount
            case .deferred(let n, _): return n
            }
        }
    }
    private var entries: [(name: String, dtype: DType, shape: [Int], bytes: Bytes)] = []
    /// The `__metadata__` string map written into the header.
    public var metadata: [String: String]

    /// An empty file with the given `__metadata__`.
    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds a tensor stored as F64.
    ///
    /// - Precondition: `values.count` equals the product of `shape`; the name is new.
    public mutating func add(_ name: String, shape: [Int], float64 values: [Double]) {
        append(name, .f64, shape, values.count, .owned(Self.encode(values, as: .f64)))
    }

    /// Adds a tensor stored as F32.
    ///
    /// - Precondition: `values.count` equals the product of `shape`; the name is new.
    public mutating func add(_ name: String, shape: [Int], float32 values: [Float]) {
        var bytes = [UInt8](); bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        append(name, .f32, shape, values.count, .owned(bytes))
    }

    /// Adds a tensor stored as `dtype` (F64, F32, F16 or BF16), each value
    /// rounded once from Float64 to nearest, ties to even (BF16 through a
    /// round-to-odd Float32, so no double rounding).
    ///
    /// - Precondition: `dtype` is one of the four; `values.count` fills `shape`; the name is new.
    public mutating func add(_ name: String, shape: [Int], values: [Double], as dtype: DType) {
        append(name, dtype, shape, values.count, .owned(Self.encode(values, as: dtype)))
    }

    /// The little-endian bytes of `values` stored as `dtype` (F64, F32, F16 or
    /// BF16), each value rounded once from Float64 to nearest, ties to even.
    ///
    /// - Precondition: `dtype` is one of the four.
    static func encode(_ values: [Double], as dtype: DType) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * dtype.bitWidth / 8)
        switch dtype {
        case .f64: for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        case .f32: for v in values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 } }
        case .f16, .bf16:
            for v in values {
                let bits = dtype == .f16 ? Float16(v).bitPattern : Self.bfloat16Bits(v)
                withUnsafeBytes(of: bits.littleEndian) { bytes += $0 }
            }
        default: preconditionFailure("SafetensorsWriter: cannot round values to \(dtype.rawValue)")
        }
        return bytes
    }

    /// Adds a tensor whose bytes (already encoded as `dtype`) lie in `spool`.
    ///
    /// - Precondition: `count` bytes fill `shape` at `dtype`; the name is new.
    mutating func add(_ name: String, dtype: DType, shape: [Int], spool: SpoolFile, offset: Int, count: Int) {
        precondition(shape.reduce(1, *) * dtype.bitWidth / 8 == count, "SafetensorsWriter: \(count) bytes do not fill shape \(shape) of '\(name)'")
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "SafetensorsWriter: duplicate tensor '\(name)'")
        entries.append((name, dtype, shape, .spooled(spool, offset: offset, count: count)))
    }

    /// Adds `tensor` with its stored bytes copied unchanged (same dtype and
    /// shape). The bytes are read when the file is written, in pieces, and
    /// their mapped pages released after (so copying a 13 GB checkpoint does
    /// not hold it in memory).
    ///
    /// - Precondition: the tensor is C-ordered little-endian (any safetensors tensor); the name is new.
    public mutating func add(_ name: String, copying tensor: TensorDescriptor) {
        precondition(!tensor.isFortranOrder && !tensor.isBigEndian, "SafetensorsWriter: '\(tensor.name)' is not stored C-ordered little-endian")
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "SafetensorsWriter: duplicate tensor '\(name)'")
        entries.append((name, tensor.dtype, tensor.shape, .copied(tensor)))
    }

    /// Adds a tensor of `shape` stored as `dtype` whose little-endian bytes
    /// `produce` returns when the file is written (``stream(to:)``), so that
    /// only one such tensor is in memory at a time. An error `produce` throws
    /// aborts the write.
    ///
    /// - Precondition: `dtype` has a whole number of bytes per element; the name is new.
    ///   `produce` must return exactly shape-product × bytes-per-element bytes
    ///   (checked when it is called).
    public mutating func add(_ name: String, dtype: DType, shape: [Int],
                             producing produce: @escaping @Sendable () throws(CheckpointError) -> [UInt8]) {
        precondition(dtype.bitWidth % 8 == 0, "SafetensorsWriter: \(dtype.rawValue) is not byte-sized")
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "SafetensorsWriter: duplicate tensor '\(name)'")
        entries.append((name, dtype, shape, .deferred(count: shape.reduce(1, *) * dtype.bitWidth / 8, produce)))
    }

    /// The BF16 bit pattern nearest to `v` (ties to even): Float64 → Float32 rounded
    /// to odd (exact, or the neighbour toward zero with its last bit set), then
    /// Float32 → BF16 to nearest even, which is then a single correct rounding.
    public static func bfloat16Bits(_ v: Double) -> UInt16 {
        var f = Float(v)
        if f.isFinite && Double(f) != v {
            if abs(Double(f)) > abs(v) { f = f > 0 ? f.nextDown : f.nextUp }
            f = Float(bitPattern: f.bitPattern | 1)
        }
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    private mutating func append(_ name: String, _ dtype: DType, _ shape: [Int], _ count: Int, _ bytes: Bytes) {
        precondition(shape.reduce(1, *) == count, "SafetensorsWriter: \(count) values do not fill shape \(shape) of '\(name)'")
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "SafetensorsWriter: duplicate tensor '\(name)'")
        entries.append((name, dtype, shape, bytes))
    }

    /// The header: its length as a little-endian UInt64, then the JSON padded
    /// with spaces to a multiple of 8 bytes.
    private func header() -> [UInt8] {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        for e in entries {
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out = [UInt8]()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h
    }

    /// Hands the file to `sink` in consecutive pieces: the header, then each
    /// tensor's data (spooled data in pieces of at most 1 MiB), so a file
    /// larger than memory can be written (see ``AtomicFile/Staging/write(to:producing:)``).
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` when spooled data cannot be
    ///   read back; what `sink` throws.
    public func stream(to sink: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(CheckpointError) {
        try withBytes(of: header(), sink)
        for e in entries {
            switch e.bytes {
            case .owned(let b): try withBytes(of: b, sink)
            case let .spooled(spool, offset, count): try spool.read(offset: offset, count: count, sink)
            case .copied(let t):
                let piece = 4 << 20
                var done = 0
                while done < t.byteCount {
                    let n = min(piece, t.byteCount - done)
                    try t.region.withBytes(offset: t.byteOffset + done, count: n) { (raw) throws(CheckpointError) in try sink(raw) }
                    t.region.releasePages(offset: t.byteOffset + done, count: n)
                    done += n
                }
            case let .deferred(count, produce):
                let bytes = try produce()
                precondition(bytes.count == count, "SafetensorsWriter: '\(e.name)' produced \(bytes.count) bytes, expected \(count)")
                try withBytes(of: bytes, sink)
            }
        }
    }

    /// The complete file in memory (spooled data read back).
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` when spooled data cannot be read back.
    public func serialized() throws(CheckpointError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(entries.reduce(0) { $0 + $1.bytes.count } + 4096)
        try stream { (raw: UnsafeRawBufferPointer) throws(CheckpointError) in out += raw }
        return out
    }

    /// Writes the file to `path` atomically (see ``AtomicFile``), streamed.
    public func write(to path: String) throws(CheckpointError) {
        try AtomicFile.write(to: path) { (sink) throws(CheckpointError) in try stream(to: sink) }
    }

    /// Stages the file at `path` in `files` (see ``AtomicFile/writeTogether(_:)``), streamed.
    public func write(to path: String, into files: inout AtomicFile.Staging) throws(CheckpointError) {
        try files.write(to: path) { (sink) throws(CheckpointError) in try stream(to: sink) }
    }
}

/// A JSON string literal for `s`, escaping quotes, backslashes and control characters
/// (`package`: Models renders `config.json` with it).
package func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
