/// One tensor of a checkpoint: its name, dtype and shape, and where its
/// bytes lie. Reading values goes through ``decode(chunkElements:_:)`` or
/// ``readDoubles()``; nothing is read until asked.
///
/// Layout conventions:
/// - values are returned in **logical C (row-major) order** whatever the
///   storage order: a Fortran-ordered `.npy` is transposed on the fly;
/// - safetensors data are little-endian; `.npy` data may be either byte order;
/// - a tensor of shape `[d0, d1, …]` is seen by the rank analysis as a
///   `d0 × (d1·d2·…)` matrix, rows = `d0` (PyTorch's out-features / out-channels).
public struct TensorDescriptor: Sendable {
    /// The tensor's name (safetensors key, or `.npz` member without `.npy`).
    public let name: String
    /// Its element type.
    public let dtype: DType
    /// Its dimensions, outermost first. `[]` is a scalar.
    public let shape: [Int]
    /// The file it lives in.
    public let path: String
    /// Whether storage is Fortran (column-major) order (`.npy` only).
    public let isFortranOrder: Bool
    /// Whether the stored bytes are big-endian (`.npy` only).
    public let isBigEndian: Bool
    /// The number of elements, the product of `shape` (1 for a scalar).
    public let elementCount: Int

    internal let region: ByteRegion
    internal let byteOffset: Int
    internal let byteCount: Int

    internal init(name: String, dtype: DType, shape: [Int], path: String, region: ByteRegion,
                  byteOffset: Int, byteCount: Int, elementCount: Int,
                  isFortranOrder: Bool = false, isBigEndian: Bool = false) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.path = path
        self.region = region
        self.byteOffset = byteOffset
        self.byteCount = byteCount
        self.elementCount = elementCount
        self.isFortranOrder = isFortranOrder
        self.isBigEndian = isBigEndian
    }

    /// The stored size in bytes.
    public var storedByteCount: Int { byteCount }

    /// Statistics gathered while decoding, at no extra pass over the data.
    public struct DecodeSummary: Sendable, Equatable {
        /// Σ ulp(xᵢ)² over all elements, where ulp(x) is the spacing of the
        /// storage dtype at the stored value x, 2^(max(e,1) − bias − fraction bits)
        /// for biased exponent field e. This is 12 × the variance of the
        /// rounding error that storing exact values in this dtype introduced.
        public var sumSquaredULP: Double
        /// Σ xᵢ², accumulated in Float64.
        public var sumSquares: Double
    }

    /// Decodes all values as `Double`, in logical C order, in chunks of at
    /// most `chunkElements`, calling `body(firstIndex, values)` for each.
    ///
    /// - Throws: ``CheckpointError/Code/unsupportedDType`` for a dtype that is
    ///   not F64/F32/F16/BF16; ``CheckpointError/Code/nonFinite`` (naming the
    ///   element's multi-index) at the first NaN or infinity, before `body`
    ///   sees the chunk holding it; and whatever `body` throws.
    @discardableResult
    public func decode(
        chunkElements: Int = 16_384,
        _ body: (_ firstIndex: Int, _ values: UnsafeBufferPointer<Double>) throws -> Void
    ) throws -> DecodeSummary {
        try decode(elements: 0..<elementCount, chunkElements: chunkElements, body)
    }

    /// ``decode(chunkElements:_:)`` of the values at C-order linear indices
    /// `range` only (e.g. whole rows of the matrix view: a row block of ΔW
    /// read from a mapped file without touching the rest). `body` receives
    /// linear indices; the summary covers the range.
    ///
    /// - Precondition: `range` lies within `0..<elementCount`.
    @discardableResult
    public func decode(
        elements range: Range<Int>, chunkElements: Int = 16_384,
        _ body: (_ firstIndex: Int, _ values: UnsafeBufferPointer<Double>) throws -> Void
    ) throws -> DecodeSummary {
        precondition(range.lowerBound >= 0 && range.upperBound <= elementCount,
                     "TensorDescriptor.decode: \(range) outside 0..<\(elementCount) of '\(name)'")
        let ulpSquared = try ulpTable()
        let chunk = max(1, chunkElements)
        var scratch = [Double](repeating: 0, count: min(chunk, max(range.count, 1)))
        var summary = DecodeSummary(sumSquaredULP: 0, sumSquares: 0)
        try region.withBytes(offset: byteOffset, count: byteCount) { raw in
            var start = range.lowerBound
            while start < range.upperBound {
                let n = min(chunk, range.upperBound - start)
                try scratch.withUnsafeMutableBufferPointer { out in
                    try decodeChunk(raw, first: start, count: n, into: out, ulp: ulpSquared, summary: &summary)
                    try body(start, UnsafeBufferPointer(rebasing: out[0..<n]))
                }
                start += n
            }
        }
        return summary
    }

    /// The squared-ULP table of this tensor's float dtype.
    ///
    /// - Throws: ``CheckpointError/Code/unsupportedDType`` for a dtype not read as real numbers.
    internal func ulpTable() throws(CheckpointError) -> ULPTable {
        guard let layout = dtype.floatLayout else {
            throw CheckpointError(.unsupportedDType, path: path, tensor: name,
                                  "dtype \(dtype.rawValue) is not read as real numbers: \(dtype.skipReason ?? "")")
        }
        return ULPTable(layout: layout)
    }

    /// Decodes the values at C-order indices `first..<first + n` of the tensor's
    /// bytes `raw` into `out[0..<n]`, adding to `summary`.
    ///
    /// - Throws: ``CheckpointError/Code/nonFinite`` naming the first NaN or infinity.
    internal func decodeChunk(
        _ raw: UnsafeRawBufferPointer, first start: Int, count n: Int,
        into out: UnsafeMutableBufferPointer<Double>, ulp: ULPTable, summary: inout DecodeSummary
    ) throws(CheckpointError) {
        // A NaN or infinity makes the chunk's Σ x² non-finite, so only then
        // (or on overflow of that sum) is the chunk searched for it.
        var suspect = true
        if isFortranOrder && shape.count > 1 {
            decodeFortran(raw, first: start, count: n, width: dtype.bitWidth / 8, into: out, ulp: ulp, summary: &summary)
        } else {
            suspect = !decodeContiguous(raw, first: start, count: n, into: out, ulp: ulp, summary: &summary).isFinite
        }
        for k in 0..<n where suspect && !out[k].isFinite {
            throw CheckpointError(.nonFinite, path: path, tensor: name,
                                  "\(out[k].isNaN ? "NaN" : "infinity") at element \(formatIndex(start + k))",
                                  element: multiIndex(start + k))
        }
    }

    /// All values as `Double`, in logical C order.
    public func readDoubles() throws -> [Double] {
        var out = [Double](repeating: 0, count: elementCount)
        try decode { first, values in
            for k in 0..<values.count { out[first + k] = values[k] }
        }
        return out
    }

    /// All values of an integer or bool tensor (`U8`…`I64`, `BOOL`) as
    /// `Int64`, in logical C order: dataset labels and uint8 pixels.
    ///
    /// - Throws: ``CheckpointError/Code/unsupportedDType`` for a float or
    ///   other dtype, and for a `U64` value above `Int64.max` (naming it).
    public func readIntegers() throws(CheckpointError) -> [Int64] {
        let width = dtype.bitWidth / 8
        switch dtype {
        case .bool, .u8, .i8, .u16, .i16, .u32, .i32, .u64, .i64: break
        default:
            throw CheckpointError(.unsupportedDType, path: path, tensor: name,
                                  "dtype \(dtype.rawValue) is not an integer dtype")
        }
        var out = [Int64](repeating: 0, count: elementCount)
        var overflow: Int? = nil
        region.withBytes(offset: byteOffset, count: byteCount) { raw in
            for k in 0..<elementCount {
                var offset = k
                if isFortranOrder && shape.count > 1 {
                    let idx = multiIndex(k)
                    offset = 0
                    for d in stride(from: shape.count - 1, through: 0, by: -1) { offset = offset * shape[d] + idx[d] }
                }
                let at = offset * width
                switch dtype {
                case .bool, .u8: out[k] = Int64(raw[at])
                case .i8: out[k] = Int64(Int8(bitPattern: raw[at]))
                case .u16, .i16:
                    var b = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
                    if isBigEndian { b = b.byteSwapped }
                    out[k] = dtype == .u16 ? Int64(b) : Int64(Int16(bitPattern: b))
                case .u32, .i32:
                    var b = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
                    if isBigEndian { b = b.byteSwapped }
                    out[k] = dtype == .u32 ? Int64(b) : Int64(Int32(bitPattern: b))
                default:
                    var b = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    if isBigEndian { b = b.byteSwapped }
                    if dtype == .u64 && b > UInt64(Int64.max) { if overflow == nil { overflow = k } }
                    out[k] = Int64(bitPattern: b)
                }
            }
        }
        if let k = overflow {
            throw CheckpointError(.unsupportedDType, path: path, tensor: name,
                                  "U64 value at element \(formatIndex(k)) exceeds Int64.max")
        }
        return out
    }

    /// Drops this tensor's pages from the process's resident set (they stay
    /// in the kernel's page cache). Call after a mapped tensor has been read
    /// to keep the memory footprint of a large checkpoint at one tensor.
    public func releaseResidentPages() {
        region.releasePages(offset: byteOffset, count: byteCount)
    }

    /// Releases the mapped pages holding the values at C-order linear indices
    /// `range` (see ``releaseResidentPages()``); the whole tensor's for a
    /// Fortran-ordered one, whose range is not one stretch of bytes.
    public func releaseResidentPages(elements range: Range<Int>) {
        guard !(isFortranOrder && shape.count > 1) else { return releaseResidentPages() }
        let width = dtype.bitWidth / 8
        region.releasePages(offset: byteOffset + range.lowerBound * width, count: range.count * width)
    }

    /// The zero-based multi-index of C-order linear index `linear`.
    public func multiIndex(_ linear: Int) -> [Int] {
        var rest = linear
        var idx = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            idx[d] = rest % shape[d]
            rest /= shape[d]
        }
        return idx
    }

    private func formatIndex(_ linear: Int) -> String {
        "[" + multiIndex(linear).map(String.init).joined(separator: ", ") + "]"
    }

    // MARK: - Decoding kernels

    // Four interleaved accumulators per sum (element k goes to lane k mod 4,
    // the lanes added at the end): the additions are independent, so the loop
    // runs at the load/convert rate instead of waiting one FP-add latency per
    // element. The order of the additions depends on nothing but the count.
    //
    // Returns the chunk's Σ x² (non-finite when a value is).
    private func decodeContiguous(
        _ raw: UnsafeRawBufferPointer, first: Int, count n: Int,
        into out: UnsafeMutableBufferPointer<Double>, ulp: ULPTable, summary: inout DecodeSummary
    ) -> Double {
        guard n > 0, let base = raw.baseAddress else { return 0 }
        // One loop per dtype and byte order, so the loads are not behind a branch.
        return ulp.withTable { table in
            @inline(__always) func lanes<W: FixedWidthInteger>(
                _: W.Type, _ convert: @escaping (W) -> (Double, Int)
            ) -> Double {
                let p = base + first * MemoryLayout<W>.size
                if isBigEndian {
                    return decodeLanes(n, into: out, table: table, summary: &summary) { k in
                        convert(p.loadUnaligned(fromByteOffset: k * MemoryLayout<W>.size, as: W.self).byteSwapped)
                    }
                }
                return decodeLanes(n, into: out, table: table, summary: &summary) { k in
                    convert(p.loadUnaligned(fromByteOffset: k * MemoryLayout<W>.size, as: W.self))
                }
            }
            switch dtype {
            case .f64: return lanes(UInt64.self) { (Double(bitPattern: $0), Int($0 >> 52)) }
            case .f32: return lanes(UInt32.self) { (Double(Float(bitPattern: $0)), Int($0 >> 23)) }
            case .f16: return lanes(UInt16.self) { (Double(Float16(bitPattern: $0)), Int($0 >> 10)) }
            case .bf16: return lanes(UInt16.self) { (Double(Float(bitPattern: UInt32($0) << 16)), Int($0 >> 7)) }
            default: preconditionFailure("decodeContiguous: dtype \(dtype) checked by the caller")
            }
        }
    }

    /// Writes `value(k).0` to `out[k]` for k < n, adds Σ v² and Σ `table[value(k).1]`
    /// (the squared ULPs) to `summary`, each sum in four SIMD lanes (element k in
    /// lane k mod 4, the tail in lane 0, the lanes added as (l₀ + l₁) + (l₂ + l₃)),
    /// and returns the chunk's Σ v². Raw pointers throughout: this loop decodes
    /// every value of every checkpoint.
    @inline(__always)
    private func decodeLanes(
        _ n: Int, into out: UnsafeMutableBufferPointer<Double>, table: UnsafeBufferPointer<Double>,
        summary: inout DecodeSummary, _ value: (Int) -> (Double, Int)
    ) -> Double {
        let o = out.baseAddress!, t = table.baseAddress!
        var q = SIMD4<Double>(repeating: 0), u = SIMD4<Double>(repeating: 0)
        var k = 0
        while k + 4 <= n {
            let (v0, e0) = value(k), (v1, e1) = value(k + 1), (v2, e2) = value(k + 2), (v3, e3) = value(k + 3)
            o[k] = v0; o[k + 1] = v1; o[k + 2] = v2; o[k + 3] = v3
            let v = SIMD4(v0, v1, v2, v3)
            q += v * v
            u += SIMD4(t[e0], t[e1], t[e2], t[e3])
            k += 4
        }
        while k < n {
            let (v, e) = value(k)
            o[k] = v; q[0] += v * v; u[0] += t[e]
            k += 1
        }
        let squares = (q[0] + q[1]) + (q[2] + q[3])
        summary.sumSquares += squares
        summary.sumSquaredULP += (u[0] + u[1]) + (u[2] + u[3])
        return squares
    }

    /// Fortran order: C-order element with multi-index (i₀, …, iₖ) is stored at
    /// i₀ + d₀·(i₁ + d₁·(…)). Rare (only `.npy`), so a plain per-element path.
    private func decodeFortran(
        _ raw: UnsafeRawBufferPointer, first: Int, count n: Int, width: Int,
        into out: UnsafeMutableBufferPointer<Double>, ulp: ULPTable, summary: inout DecodeSummary
    ) {
        var single = [Double](repeating: 0, count: 1)
        for k in 0..<n {
            let idx = multiIndex(first + k)
            var offset = 0
            for d in stride(from: shape.count - 1, through: 0, by: -1) { offset = offset * shape[d] + idx[d] }
            _ = single.withUnsafeMutableBufferPointer { one in
                decodeContiguous(raw, first: offset, count: 1, into: one, ulp: ulp, summary: &summary)
            }
            out[k] = single[0]
        }
    }
}

/// ulp² for every value of the sign-and-exponent bits of a stored float, so
/// that decoding looks it up from the raw bit pattern shifted right by the
/// fraction width.
internal struct ULPTable {
    private let table: [Double]
    init(layout: (bias: Int, fractionBits: Int, exponentBits: Int)) {
        let exponents = 1 << layout.exponentBits
        var t = [Double](repeating: 0, count: 2 * exponents)
        for sign in 0..<2 {
            for e in 0..<exponents {
                let ulp = Double(sign: .plus, exponent: max(e, 1) - layout.bias - layout.fractionBits, significand: 1)
                t[sign * exponents + e] = ulp * ulp
            }
        }
        table = t
    }
    /// Calls `body` with the table (2 × 2^exponentBits entries, sign-major).
    @inline(__always) func withTable<R>(_ body: (UnsafeBufferPointer<Double>) -> R) -> R { table.withUnsafeBufferPointer(body) }
}
