import Projections

/// Counter-based dropout masks: whether element k of dropout site s is kept
/// in training step t is a pure function of (seed, s, t, k), so masks do not
/// depend on the order of generation, on block sizes or on thread counts.
///
/// Site s uses Philox4x64-10 keyed by (`seed`, id(kind: ``StreamKind/dropout``,
/// group: s)); element k reads block `(k / 8, t, 0, 0)` and in it the 32-bit
/// word k mod 8 (lane (k mod 8) / 2, the low half first). The element is kept
/// when that word is ≥ round(p·2³²), so the keep rate is 1 − p to within 2⁻³².
/// Kept values are scaled by 1/(1 − p) (inverted dropout, as PyTorch).
public struct DropoutStream: Sendable, Hashable {
    /// The run's seed.
    public let seed: UInt64
    /// The training step (the Philox counter's second word).
    public let step: Int

    /// The masks of training step `step` under `seed`.
    ///
    /// - Precondition: `step ≥ 0`.
    public init(seed: UInt64, step: Int) {
        precondition(step >= 0, "DropoutStream: negative step \(step)")
        self.seed = seed
        self.step = step
    }

    /// The keep threshold round(p·2³²) for drop probability `p` ∈ [0, 1).
    public static func threshold(probability p: Double) -> UInt64 {
        precondition(p >= 0 && p < 1, "DropoutStream: probability \(p) outside [0, 1)")
        return UInt64((p * 0x1p32).rounded())
    }

    /// The generator of site `site`.
    internal func philox(site: Int) -> Philox4x64 {
        Philox4x64(key: seed, RandomStream.id(kind: .dropout, group: site, index: 0))
    }

    /// Whether element `element` of site `site` is kept at drop probability `probability`.
    public func keeps(site: Int, element: Int, probability: Double) -> Bool {
        let b = philox(site: site).block(UInt64(element >> 3), UInt64(step), 0, 0)
        let lane: UInt64
        switch (element >> 1) & 3 {
        case 0: lane = b.0
        case 1: lane = b.1
        case 2: lane = b.2
        default: lane = b.3
        }
        let word = element & 1 == 0 ? lane & 0xFFFF_FFFF : lane >> 32
        return word >= Self.threshold(probability: probability)
    }

    /// Writes the mask of elements `start ..< start + out.count` of site
    /// `site` into `out`: 1 kept, 0 dropped.
    public func fillMask(site: Int, probability: Double, from start: Int, into out: UnsafeMutableBufferPointer<UInt8>) {
        let t = Self.threshold(probability: probability)
        let g = philox(site: site)
        let s = UInt64(step)
        var k = start
        let end = start + out.count
        var o = 0
        @inline(__always) func bit(_ w: UInt64) -> UInt8 { w >= t ? 1 : 0 }
        while k < end {
            let b = g.block(UInt64(k >> 3), s, 0, 0)
            if k & 7 == 0 && k + 8 <= end {
                out[o] = bit(b.0 & 0xFFFF_FFFF); out[o + 1] = bit(b.0 >> 32)
                out[o + 2] = bit(b.1 & 0xFFFF_FFFF); out[o + 3] = bit(b.1 >> 32)
                out[o + 4] = bit(b.2 & 0xFFFF_FFFF); out[o + 5] = bit(b.2 >> 32)
                out[o + 6] = bit(b.3 & 0xFFFF_FFFF); out[o + 7] = bit(b.3 >> 32)
                k += 8; o += 8
                continue
            }
            let words = (b.0 & 0xFFFF_FFFF, b.0 >> 32, b.1 & 0xFFFF_FFFF, b.1 >> 32,
                         b.2 & 0xFFFF_FFFF, b.2 >> 32, b.3 & 0xFFFF_FFFF, b.3 >> 32)
            let blockEnd = min(end, (k | 7) + 1)
            while k < blockEnd {
                let w: UInt64
                switch k & 7 {
                case 0: w = words.0
                case 1: w = words.1
                case 2: w = words.2
                case 3: w = words.3
                case 4: w = words.4
                case 5: w = words.5
                case 6: w = words.6
                default: w = words.7
                }
                out[o] = bit(w)
                k += 1; o += 1
            }
        }
    }
}
