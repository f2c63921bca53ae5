import Foundation

/// One reproducible stream of random words: Philox4x64-10 keyed by
/// `(seed, id)`. Word w is lane `w % 4` of the block with counter
/// `(w / 4, 0, 0, 0)`, so any word, and any range of derived variates, is
/// computed directly from its index: results never depend on the order of
/// generation, on block sizes, or on the number of threads.
///
/// Derived variates (all defined in `RandomStreams.md`):
/// - ``uniform(_:)``: word n → `(w >> 11)·2⁻⁵³` ∈ [0, 1);
/// - ``normal(_:)``: Box–Muller on words `2⌊n/2⌋, 2⌊n/2⌋+1`, in Float64;
/// - ``sign(_:)``: ±1 from the top bit of word n;
/// - ``integer(word:below:)``: `⌊w·n / 2⁶⁴⌋`.
public struct RandomStream: Sendable, Hashable {
    /// The seed (key word 0).
    public let seed: UInt64
    /// The stream id (key word 1).
    public let id: UInt64
    private let philox: Philox4x64

    /// The stream keyed by (`seed`, `id`); prefer ``init(seed:kind:group:index:)``,
    /// which builds `id` from a ``StreamKind``.
    public init(seed: UInt64, id: UInt64) {
        self.seed = seed
        self.id = id
        self.philox = Philox4x64(key: seed, id)
    }

    /// The stream of `kind` for tensor `group` and block/column `index`:
    /// id = `kind << 56 | group << 32 | index`.
    ///
    /// - Precondition: `group < 2²⁴`, `index < 2³²`.
    public init(seed: UInt64, kind: StreamKind, group: Int = 0, index: Int = 0) {
        self.init(seed: seed, id: RandomStream.id(kind: kind, group: group, index: index))
    }

    /// `kind << 56 | group << 32 | index`.
    public static func id(kind: StreamKind, group: Int, index: Int) -> UInt64 {
        precondition(group >= 0 && group < 1 << 24 && index >= 0 && UInt64(index) < 1 << 32,
                     "RandomStream: group \(group) or index \(index) out of range")
        return kind.rawValue << 56 | UInt64(group) << 32 | UInt64(index)
    }

    /// Words `4b … 4b+3`.
    @inline(__always)
    public func block(_ b: UInt64) -> (UInt64, UInt64, UInt64, UInt64) { philox.block(b) }

    /// Word `w`.
    public func word(_ w: Int) -> UInt64 {
        let b = block(UInt64(w) >> 2)
        switch w & 3 {
        case 0: return b.0
        case 1: return b.1
        case 2: return b.2
        default: return b.3
        }
    }

    /// A permutation of `0..<count` by the stream's Fisher–Yates shuffle
    /// (RandomStreams.md): start from the identity; for t = 0, 1, …,
    /// count − 2, word t picks j = ``integer(word:below:)`` in [0, i + 1)
    /// with i = count − 1 − t, and swaps positions i and j. Used for
    /// Fastfood's Π, a training epoch's example order and dataset splits.
    public func permutation(count: Int) -> [Int] { fisherYates(count: count, as: Int.self) }

    /// ``permutation(count:)`` in a narrower integer type (Fastfood keeps Π as `UInt32`).
    internal func fisherYates<I: FixedWidthInteger>(count n: Int, as _: I.Type) -> [I] {
        var perm = [I](unsafeUninitializedCapacity: n) { buf, k in
            for q in 0..<n { buf[q] = I(truncatingIfNeeded: q) }
            k = n
        }
        var words = [UInt64](repeating: 0, count: min(max(n - 1, 0), 1 << 16))
        var t = 0
        while t < n - 1 {
            let c = min(words.count, n - 1 - t)
            words.withUnsafeMutableBufferPointer { fillWords(from: t, into: UnsafeMutableBufferPointer(rebasing: $0[0..<c])) }
            for q in 0..<c {
                let i = n - 1 - (t + q)
                perm.swapAt(i, Self.integer(word: words[q], below: i + 1))
            }
            t += c
        }
        return perm
    }

    /// Words `start ..< start + out.count`.
    public func fillWords(from start: Int, into out: UnsafeMutableBufferPointer<UInt64>) {
        var w = start
        var k = 0
        let end = start + out.count
        while w < end && w & 3 != 0 { out[k] = word(w); w += 1; k += 1 }
        while w + 4 <= end {
            let b = block(UInt64(w) >> 2)
            out[k] = b.0; out[k + 1] = b.1; out[k + 2] = b.2; out[k + 3] = b.3
            w += 4; k += 4
        }
        while w < end { out[k] = word(w); w += 1; k += 1 }
    }

    /// Uniform in [0, 1) from word n.
    @inline(__always)
    public static func uniform(word w: UInt64) -> Double { Double(w >> 11) * 0x1p-53 }

    /// Uniform n ∈ [0, 1).
    public func uniform(_ n: Int) -> Double { Self.uniform(word: word(n)) }

    /// ±1 from the top bit of word n (+1 when it is 0).
    public func sign(_ n: Int) -> Double { word(n) >> 63 == 0 ? 1 : -1 }

    /// An integer in [0, n) from word `w`: the high word of `w·n`.
    @inline(__always)
    public static func integer(word w: UInt64, below n: Int) -> Int {
        Int(w.multipliedFullWidth(by: UInt64(n)).high)
    }

    /// The Box–Muller pair from words (w0, w1).
    @inline(__always)
    public static func normalPair(_ w0: UInt64, _ w1: UInt64) -> (Double, Double) {
        let u1 = (Double(w0 >> 11) + 1) * 0x1p-53
        let u2 = Double(w1 >> 11) * 0x1p-53
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let t = 2 * Double.pi * u2
        return (r * Foundation.cos(t), r * Foundation.sin(t))
    }

    /// Standard normal n.
    public func normal(_ n: Int) -> Double {
        let b = block(UInt64(n) >> 2)
        if n & 2 == 0 {
            let p = Self.normalPair(b.0, b.1)
            return n & 1 == 0 ? p.0 : p.1
        }
        let p = Self.normalPair(b.2, b.3)
        return n & 1 == 0 ? p.0 : p.1
    }

    /// Standard normals `start ..< start + out.count`, four per Philox block.
    public func fillNormals(from start: Int, into out: UnsafeMutableBufferPointer<Double>) {
        var n = start
        var k = 0
        let end = start + out.count
        // Unaligned head.
        while n < end && n & 3 != 0 { out[k] = normal(n); n += 1; k += 1 }
        while n + 4 <= end {
            let b = block(UInt64(n) >> 2)
            let p = Self.normalPair(b.0, b.1), q = Self.normalPair(b.2, b.3)
            out[k] = p.0; out[k + 1] = p.1; out[k + 2] = q.0; out[k + 3] = q.1
            n += 4; k += 4
        }
        while n < end { out[k] = normal(n); n += 1; k += 1 }
    }
}
