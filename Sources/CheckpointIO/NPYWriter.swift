/// Serialises arrays in NumPy's `.npy` format 1.0 (little-endian, C order),
/// readable by `numpy.load`.
public enum NPYWriter {
    /// The `.npy` bytes of a float64 (`<f8`) array of `shape`.
    ///
    /// - Precondition: `values.count` equals the product of `shape`.
    public static func serialize(float64 values: [Double], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "NPYWriter: \(values.count) values do not fill shape \(shape)")
        var out = preamble(descr: "<f8", shape: shape)
        out.reserveCapacity(out.count + values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// The `.npy` bytes of a float32 (`<f4`) array of `shape`.
    ///
    /// - Precondition: `values.count` equals the product of `shape`.
    public static func serialize(float32 values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "NPYWriter: \(values.count) values do not fill shape \(shape)")
        var out = preamble(descr: "<f4", shape: shape)
        out.reserveCapacity(out.count + values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// Magic, version 1.0, header length and the dict literal padded so that
    /// the data start at a multiple of 64 bytes, as NumPy writes it.
    private static func preamble(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }".utf8)
        let total = 10 + dict.count + 1
        dict += [UInt8](repeating: 0x20, count: (64 - total % 64) % 64)
        dict.append(0x0A)
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        out.append(UInt8(dict.count & 0xFF))
        out.append(UInt8(dict.count >> 8))
        return out + dict
    }
}
