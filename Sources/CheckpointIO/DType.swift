/// The element types of the safetensors format, spelled as in its header.
///
/// Only the four real floating-point types (``f64``, ``f32``, ``f16``,
/// ``bf16``) are read as numbers; every other dtype is listed by the
/// analyses as skipped, with ``skipReason``.
public enum DType: String, CaseIterable, Sendable, Codable {
    /// Booleans, one byte each (never analysed).
    case bool = "BOOL"
    /// Unsigned and signed 8- and 16-bit integers (never analysed).
    case u8 = "U8", i8 = "I8", u16 = "U16", i16 = "I16"
    /// Unsigned and signed 32- and 64-bit integers, e.g. `position_ids` (never analysed).
    case u32 = "U32", i32 = "I32", u64 = "U64", i64 = "I64"
    /// 8-bit floats (OCP FP8 E5M2 and E4M3, and the E8M0 power-of-two scale): skipped, see ``skipReason``.
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0"
    /// 8-bit floats without negative zero or infinities (the "fnuz" variants): skipped.
    case f8e4m3fnuz = "F8_E4M3FNUZ", f8e5m2fnuz = "F8_E5M2FNUZ"
    /// 4- and 6-bit microscaling floats (OCP MX FP4, FP6 E2M3 and E3M2): skipped.
    case f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2"
    /// IEEE half (F16), bfloat16 (BF16), single (F32) and double (F64): the real
    /// types that are read, each converted exactly to Float64.
    case f16 = "F16", bf16 = "BF16", f32 = "F32", f64 = "F64"
    /// Complex numbers, two F32 values each (never analysed).
    case c64 = "C64"

    /// Bits per element.
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .u16, .i16, .f16, .bf16: return 16
        case .u32, .i32, .f32: return 32
        case .u64, .i64, .f64, .c64: return 64
        }
    }

    /// True for F64, F32, F16 and BF16, the dtypes read as real numbers.
    public var isReadableReal: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: return true
        default: return false
        }
    }

    /// Why a tensor of this dtype is not analysed, or `nil` when it is.
    public var skipReason: String? {
        switch self {
        case .f64, .f32, .f16, .bf16: return nil
        case .bool, .u8, .i8, .u16, .i16, .u32, .i32, .u64, .i64:
            return "integer dtype \(rawValue) (indices or counters, not trainable weights)"
        case .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz, .f4, .f6e2m3, .f6e3m2:
            return "low-precision dtype \(rawValue) is usually a quantised or scaled copy; dequantise it first"
        case .c64:
            return "complex dtype \(rawValue)"
        }
    }

    /// The machine epsilon used for numerical-rank thresholds: 2⁻⁵² for F64,
    /// and 2⁻²³ (float32's) for every narrower real type. Narrow types use
    /// float32's epsilon because their own (2⁻⁷ for BF16) would call every
    /// update of a matrix with a side ≥ 128 rank 0.
    public var rankEpsilon: Double {
        self == .f64 ? Double.ulpOfOne : Double(Float.ulpOfOne)
    }

    /// (exponent bias, fraction bits) of the real dtypes, for unit-in-the-last-place arithmetic.
    internal var floatLayout: (bias: Int, fractionBits: Int, exponentBits: Int)? {
        switch self {
        case .f64: return (1023, 52, 11)
        case .f32: return (127, 23, 8)
        case .f16: return (15, 10, 5)
        case .bf16: return (127, 7, 8)
        default: return nil
        }
    }
}
