/// Builds a `.safetensors` file: tensors are laid out in the order added,
/// contiguous from offset 0, little-endian, C order; the JSON header is
/// padded with spaces to a multiple of 8 bytes (as the reference writer
/// does), so every tensor's data start 8-byte aligned when sizes allow.
public struct SafetensorsWriter: Sendable {
    private var entries: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])] = []
    /// The `__metadata__` string map written into the header.
    public var metadata: [String: String]

    /// An empty file with the given `__metadata__`.
    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds a tensor stored as F64.
    ///
    /// - Precondition: `values.count` equals the product of `shape`; the name is new.
    public mutating func add(_ name: String, shape: [Int], float64 values: [Double]) {
        var bytes = [UInt8](); bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        append(name, .f64, shape, values.count, bytes)
    }

    /// Adds a tensor stored as F32.
    ///
    /// - Precondition: `values.count` equals the product of `shape`; the name is new.
    public mutating func add(_ name: String, shape: [Int], float32 values: [Float]) {
        var bytes = [UInt8](); bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        append(name, .f32, shape, values.count, bytes)
    }

    /// Adds a tensor stored as `dtype` (F64, F32, F16 or BF16), each value
    /// rounded once from Float64 to nearest, ties to even (BF16 through a
    /// round-to-odd Float32, so no double rounding).
    ///
    /// - Precondition: `dtype` is one of the four; `values.count` fills `shape`; the name is new.
    public mutating func add(_ name: String, shape: [Int], values: [Double], as dtype: DType) {
        switch dtype {
        case .f64: add(name, shape: shape, float64: values)
        case .f32: add(name, shape: shape, float32: values.map(Float.init))
        case .f16, .bf16:
            var bytes = [UInt8](); bytes.reserveCapacity(values.count * 2)
            for v in values {
                let bits = dtype == .f16 ? Float16(v).bitPattern : Self.bfloat16Bits(v)
                withUnsafeBytes(of: bits.littleEndian) { bytes += $0 }
            }
            append(name, dtype, shape, values.count, bytes)
        default: preconditionFailure("SafetensorsWriter: cannot round values to \(dtype.rawValue)")
        }
    }

    /// Adds `tensor` with its stored bytes copied unchanged (same dtype and shape).
    ///
    /// - Precondition: the tensor is C-ordered little-endian (any safetensors tensor); the name is new.
    public mutating func add(_ name: String, copying tensor: TensorDescriptor) {
        precondition(!tensor.isFortranOrder && !tensor.isBigEndian, "SafetensorsWriter: '\(tensor.name)' is not stored C-ordered little-endian")
        let bytes = tensor.region.withBytes(offset: tensor.byteOffset, count: tensor.byteCount) { Array($0) }
        entries.append((name, tensor.dtype, tensor.shape, bytes))
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

    private mutating func append(_ name: String, _ dtype: DType, _ shape: [Int], _ count: Int, _ bytes: [UInt8]) {
        precondition(shape.reduce(1, *) == count, "SafetensorsWriter: \(count) values do not fill shape \(shape) of '\(name)'")
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "SafetensorsWriter: duplicate tensor '\(name)'")
        entries.append((name, dtype, shape, bytes))
    }

    /// The complete file.
    public func serialized() -> [UInt8] {
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
        out.reserveCapacity(8 + h.count + offset)
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        out += h
        for e in entries { out += e.bytes }
        return out
    }

    /// Writes the file to `path` atomically (see ``AtomicFile``).
    public func write(to path: String) throws(CheckpointError) {
        try AtomicFile.write(serialized(), to: path)
    }
}

/// A JSON string literal for `s`, escaping quotes, backslashes and control characters.
internal func jsonString(_ s: String) -> String {
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
