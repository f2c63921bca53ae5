/// The Philox4x64-10 counter-based generator (Salmon, Moraes, Dror & Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a bijection of
/// a 256-bit counter under a 128-bit key. Any block is computed directly
/// from its counter, so streams can be split across threads and regenerated
/// in any order. The same function as NumPy's `np.random.Philox` (NumPy
/// increments its counter before each block; see `RandomStreams.md`).
public struct Philox4x64: Sendable, Hashable {
    /// The key words (k0, k1).
    public let key: (UInt64, UInt64)

    /// The generator keyed by the two 64-bit words (k0, k1).
    public init(key k0: UInt64, _ k1: UInt64) { key = (k0, k1) }

    public static func == (a: Philox4x64, b: Philox4x64) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key.0); h.combine(key.1) }

    @usableFromInline static let m0: UInt64 = 0xD2E7_470E_E14C_6C93
    @usableFromInline static let m1: UInt64 = 0xCA5A_8263_9512_1157
    @usableFromInline static let w0: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline static let w1: UInt64 = 0xBB67_AE85_84CA_A73B

    /// The four output words for counter `(c0, c1, c2, c3)`.
    @inlinable
    public func block(_ c0: UInt64, _ c1: UInt64 = 0, _ c2: UInt64 = 0, _ c3: UInt64 = 0) -> (UInt64, UInt64, UInt64, UInt64) {
        var (x0, x1, x2, x3) = (c0, c1, c2, c3)
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 { k0 &+= Self.w0; k1 &+= Self.w1 }
            let (hi0, lo0) = Self.m0.multipliedFullWidth(by: x0)
            let (hi1, lo1) = Self.m1.multipliedFullWidth(by: x2)
            (x0, x1, x2, x3) = (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0)
        }
        return (x0, x1, x2, x3)
    }
}
