// A cache-blocked, in-register Walsh–Hadamard kernel in the manner of
// FALCONN's FFHT, over SIMD vectors of 64 bytes (SIMD16<Float>, SIMD8<Double>).
//
// The transform is log₂n stages of butterflies (a, b) → (a + b, a − b) at
// strides 1, 2, 4, …; stages commute, so they are grouped to touch memory
// as few times as possible:
// 1. strides inside one vector (lane WHT: a permute and an FMA per stage), fused into
// 2. the in-cache pass: for each block of `blockBytes` (1 MiB,
//    L2-resident) all strides below the block size, as radix-8 passes;
// 3. the out-of-cache stages: the remaining strides, done slab by slab
//    (an L2-sized set of columns of the rows × block view at a time,
//    radix-16 in registers), so the array crosses memory only once more.
// Loads and stores are unaligned-safe: caller buffers need no alignment.
// Both passes split across threads by contiguous ranges of blocks or
// butterfly groups; results are identical for any thread count.
import Dispatch

/// A SIMD vector the kernel can transform across its lanes.
internal protocol WHTVector: SIMD where Scalar: BinaryFloatingPoint {
    /// The WHT of the lanes, in natural order, one lane permute and one
    /// multiply-add per stage:
    /// stage h is p + signs[h]·v with p[i] = v[i ^ 2^h] and signs[h][i] =
    /// −1 where bit h of i is set, +1 elsewhere. The signs are read from
    /// memory (built at run time) so the compiler cannot fold the ±1 into
    /// horizontal add/blend sequences, which it does with constant signs.
    func laneWHT(signs: UnsafePointer<Self>) -> Self
    /// The sign table `laneWHT(signs:)` reads: log₂(width) vectors.
    static func laneSigns() -> [Self]
}

extension WHTVector {
    static func laneSigns() -> [Self] {
        (0..<scalarCount.trailingZeroBitCount).map { h in
            var v = Self()
            for i in 0..<scalarCount { v[i] = (i >> h) & 1 == 0 ? 1 : -1 }
            return v
        }
    }
}

extension SIMD16: WHTVector where Scalar == Float {
    @inline(__always) func laneWHT(signs: UnsafePointer<SIMD16<Float>>) -> SIMD16<Float> {
        var v = self
        v = SIMD16(v[1], v[0], v[3], v[2], v[5], v[4], v[7], v[6], v[9], v[8], v[11], v[10], v[13], v[12], v[15], v[14])
            .addingProduct(v, signs[0])
        v = SIMD16(v[2], v[3], v[0], v[1], v[6], v[7], v[4], v[5], v[10], v[11], v[8], v[9], v[14], v[15], v[12], v[13])
            .addingProduct(v, signs[1])
        v = SIMD16(v[4], v[5], v[6], v[7], v[0], v[1], v[2], v[3], v[12], v[13], v[14], v[15], v[8], v[9], v[10], v[11])
            .addingProduct(v, signs[2])
        v = SIMD16(v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
            .addingProduct(v, signs[3])
        return v
    }
}

extension SIMD8: WHTVector where Scalar == Double {
    @inline(__always) func laneWHT(signs: UnsafePointer<SIMD8<Double>>) -> SIMD8<Double> {
        var v = self
        v = SIMD8(v[1], v[0], v[3], v[2], v[5], v[4], v[7], v[6]).addingProduct(v, signs[0])
        v = SIMD8(v[2], v[3], v[0], v[1], v[6], v[7], v[4], v[5]).addingProduct(v, signs[1])
        v = SIMD8(v[4], v[5], v[6], v[7], v[0], v[1], v[2], v[3]).addingProduct(v, signs[2])
        return v
    }
}

internal enum NativeWHT {
    /// Bytes per in-cache block: 1 MiB (measured best here: 2^20 f32 went from
    /// 0.85 ns/element with 256 KiB to 0.61). A constant, not the L2 size read
    /// at run time, because the block size fixes the rounding order and results
    /// must not depend on the machine.
    static let blockBytes = 1 << 20

    static func transform<V: WHTVector>(_ p: UnsafeMutablePointer<V.Scalar>, log2Length k: Int, vector: V.Type,
                                         threads: Int = 1) {
        let laneBits = V.scalarCount.trailingZeroBitCount
        if k <= laneBits { scalarTransform(p, count: 1 << k); return }
        let nv = 1 << (k - laneBits)
        nonisolated(unsafe) let raw = UnsafeMutableRawPointer(p)
        let signTable = V.laneSigns()
        nonisolated(unsafe) let signs = UnsafeMutablePointer<V>.allocate(capacity: signTable.count)
        signs.initialize(from: signTable, count: signTable.count)
        defer { signs.deallocate() }
        let block = min(nv, max(1, blockBytes / MemoryLayout<V>.stride))
        let blocks = nv / block
        // Work is split into contiguous ranges, one per thread; every element
        // goes through the same operations whatever the split.
        let workers = max(1, min(threads, blocks, 64))
        // In-cache pass: lane WHT + all strides < block, block by block.
        parallel(workers) { w in
            for b in (blocks * w / workers)..<(blocks * (w + 1) / workers) {
                let start = b * block
                var s = 1
                var fused = true
                while s < block {
                    let stages = min(3, (block / s).trailingZeroBitCount)
                    Radix.pass(raw, V.self, start: start, count: block, stride: s, stages: stages, laneWHTFirst: fused, signs: signs)
                    fused = false
                    s <<= stages
                }
                if fused { Radix.laneOnly(raw, V.self, index: start, signs: signs) }  // block == 1 vector
            }
        }
        // Out-of-cache stages (strides ≥ block): view the array as
        // (nv / block) rows × block columns; these stages are WHTs down the
        // columns. Take slabs of `slab` columns (rows × slab vectors ≈ 256 KiB,
        // L2-resident) and run all of them on the slab before moving on, so
        // the whole array crosses memory once more, not once per pass.
        guard block < nv else { return }
        let rows = nv / block
        let slab = max(1, min(block, (blockBytes / MemoryLayout<V>.stride) / rows))
        let slabs = block / slab
        let slabWorkers = max(1, min(threads, slabs, 64))
        parallel(slabWorkers) { w in
            for q in (slabs * w / slabWorkers)..<(slabs * (w + 1) / slabWorkers) {
                let c0 = q * slab
                var s = block
                while s < nv {
                    let stages = min(4, (nv / s).trailingZeroBitCount)
                    Radix.slabPass(raw, V.self, columns: c0..<(c0 + slab), block: block, count: nv, stride: s, stages: stages, signs: signs)
                    s <<= stages
                }
            }
        }
    }

    /// Runs `body(0..<n)` on n threads (inline when n == 1).
    static func parallel(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 { body(0); return }
        withoutActuallyEscaping(body) { b in
            nonisolated(unsafe) let f = b
            DispatchQueue.concurrentPerform(iterations: n) { f($0) }
        }
    }

    /// The textbook in-place transform, for lengths below one vector.
    static func scalarTransform<S: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<S>, count n: Int) {
        var h = 1
        while h < n {
            for i in stride(from: 0, to: n, by: 2 * h) {
                for j in i..<(i + h) {
                    let a = p[j], b = p[j + h]
                    p[j] = a + b
                    p[j + h] = a - b
                }
            }
            h <<= 1
        }
    }
}

/// Radix-2^r butterfly passes over vectors `start ..< start + count` at a
/// vector stride `s`: each group of 2^r vectors `j, j+s, …, j+(2^r−1)s` is
/// loaded, transformed in registers through r stages, and stored.
internal enum Radix {
    @inline(__always) static func ld<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ i: Int, _: V.Type) -> V {
        raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<V>.stride, as: V.self)
    }
    @inline(__always) static func st<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ i: Int, _ v: V) {
        raw.storeBytes(of: v, toByteOffset: i &* MemoryLayout<V>.stride, as: V.self)
    }

    /// A radix-2^stages pass at vector stride `s` (a multiple of `block`),
    /// restricted to vectors whose index mod `block` lies in `columns`.
    static func slabPass<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, columns: Range<Int>, block: Int,
                                       count nv: Int, stride s: Int, stages: Int, signs: UnsafePointer<V>) {
        let group = s << stages
        for g in Swift.stride(from: 0, to: nv, by: group) {
            for q in Swift.stride(from: 0, to: s, by: block) {
                for c in columns {
                    let j = g + q + c
                    switch stages {
                    case 1: radix2(raw, t, j, s, false, signs)
                    case 2: radix4(raw, t, j, s, false, signs)
                    case 3: radix8(raw, t, j, s, false, signs)
                    default: radix16(raw, t, j, s, false, signs)
                    }
                }
            }
        }
    }

    static func laneOnly<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, index: Int, signs: UnsafePointer<V>) {
        st(raw, index, ld(raw, index, t).laneWHT(signs: signs))
    }

    static func pass<V: WHTVector>(
        _ raw: UnsafeMutableRawPointer, _ t: V.Type, start: Int, count: Int, stride s: Int, stages: Int,
        laneWHTFirst: Bool, signs: UnsafePointer<V>
    ) {
        let group = s << stages
        for g in Swift.stride(from: start, to: start + count, by: group) {
            for j in g..<(g + s) {
                switch stages {
                case 1: radix2(raw, t, j, s, laneWHTFirst, signs)
                case 2: radix4(raw, t, j, s, laneWHTFirst, signs)
                case 3: radix8(raw, t, j, s, laneWHTFirst, signs)
                default: radix16(raw, t, j, s, laneWHTFirst, signs)
                }
            }
        }
    }

    @inline(__always) static func load<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, _ i: Int, _ lane: Bool,
                                                      _ signs: UnsafePointer<V>) -> V {
        let v = ld(raw, i, t)
        return lane ? v.laneWHT(signs: signs) : v
    }

    @inline(__always) static func radix2<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, _ j: Int, _ s: Int, _ lane: Bool, _ signs: UnsafePointer<V>) {
        let a = load(raw, t, j, lane, signs), b = load(raw, t, j + s, lane, signs)
        st(raw, j, a + b)
        st(raw, j + s, a - b)
    }

    @inline(__always) static func radix4<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, _ j: Int, _ s: Int, _ lane: Bool, _ signs: UnsafePointer<V>) {
        let a0 = load(raw, t, j, lane, signs), a1 = load(raw, t, j + s, lane, signs)
        let a2 = load(raw, t, j + 2 * s, lane, signs), a3 = load(raw, t, j + 3 * s, lane, signs)
        let b0 = a0 + a1, b1 = a0 - a1, b2 = a2 + a3, b3 = a2 - a3
        st(raw, j, b0 + b2)
        st(raw, j + s, b1 + b3)
        st(raw, j + 2 * s, b0 - b2)
        st(raw, j + 3 * s, b1 - b3)
    }

    @inline(__always) static func radix8<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, _ j: Int, _ s: Int, _ lane: Bool, _ signs: UnsafePointer<V>) {
        var a0 = load(raw, t, j, lane, signs), a1 = load(raw, t, j + s, lane, signs)
        var a2 = load(raw, t, j + 2 * s, lane, signs), a3 = load(raw, t, j + 3 * s, lane, signs)
        var a4 = load(raw, t, j + 4 * s, lane, signs), a5 = load(raw, t, j + 5 * s, lane, signs)
        var a6 = load(raw, t, j + 6 * s, lane, signs), a7 = load(raw, t, j + 7 * s, lane, signs)
        (a0, a1) = (a0 + a1, a0 - a1); (a2, a3) = (a2 + a3, a2 - a3)
        (a4, a5) = (a4 + a5, a4 - a5); (a6, a7) = (a6 + a7, a6 - a7)
        (a0, a2) = (a0 + a2, a0 - a2); (a1, a3) = (a1 + a3, a1 - a3)
        (a4, a6) = (a4 + a6, a4 - a6); (a5, a7) = (a5 + a7, a5 - a7)
        st(raw, j, a0 + a4); st(raw, j + 4 * s, a0 - a4)
        st(raw, j + s, a1 + a5); st(raw, j + 5 * s, a1 - a5)
        st(raw, j + 2 * s, a2 + a6); st(raw, j + 6 * s, a2 - a6)
        st(raw, j + 3 * s, a3 + a7); st(raw, j + 7 * s, a3 - a7)
    }

    @inline(__always) static func radix16<V: WHTVector>(_ raw: UnsafeMutableRawPointer, _ t: V.Type, _ j: Int, _ s: Int, _ lane: Bool, _ signs: UnsafePointer<V>) {
        var a = (load(raw, t, j, lane, signs), load(raw, t, j + s, lane, signs), load(raw, t, j + 2 * s, lane, signs), load(raw, t, j + 3 * s, lane, signs),
                 load(raw, t, j + 4 * s, lane, signs), load(raw, t, j + 5 * s, lane, signs), load(raw, t, j + 6 * s, lane, signs), load(raw, t, j + 7 * s, lane, signs),
                 load(raw, t, j + 8 * s, lane, signs), load(raw, t, j + 9 * s, lane, signs), load(raw, t, j + 10 * s, lane, signs), load(raw, t, j + 11 * s, lane, signs),
                 load(raw, t, j + 12 * s, lane, signs), load(raw, t, j + 13 * s, lane, signs), load(raw, t, j + 14 * s, lane, signs), load(raw, t, j + 15 * s, lane, signs))
        // Stage 1 (distance 1)
        (a.0, a.1) = (a.0 + a.1, a.0 - a.1); (a.2, a.3) = (a.2 + a.3, a.2 - a.3)
        (a.4, a.5) = (a.4 + a.5, a.4 - a.5); (a.6, a.7) = (a.6 + a.7, a.6 - a.7)
        (a.8, a.9) = (a.8 + a.9, a.8 - a.9); (a.10, a.11) = (a.10 + a.11, a.10 - a.11)
        (a.12, a.13) = (a.12 + a.13, a.12 - a.13); (a.14, a.15) = (a.14 + a.15, a.14 - a.15)
        // Stage 2 (distance 2)
        (a.0, a.2) = (a.0 + a.2, a.0 - a.2); (a.1, a.3) = (a.1 + a.3, a.1 - a.3)
        (a.4, a.6) = (a.4 + a.6, a.4 - a.6); (a.5, a.7) = (a.5 + a.7, a.5 - a.7)
        (a.8, a.10) = (a.8 + a.10, a.8 - a.10); (a.9, a.11) = (a.9 + a.11, a.9 - a.11)
        (a.12, a.14) = (a.12 + a.14, a.12 - a.14); (a.13, a.15) = (a.13 + a.15, a.13 - a.15)
        // Stage 3 (distance 4)
        (a.0, a.4) = (a.0 + a.4, a.0 - a.4); (a.1, a.5) = (a.1 + a.5, a.1 - a.5)
        (a.2, a.6) = (a.2 + a.6, a.2 - a.6); (a.3, a.7) = (a.3 + a.7, a.3 - a.7)
        (a.8, a.12) = (a.8 + a.12, a.8 - a.12); (a.9, a.13) = (a.9 + a.13, a.9 - a.13)
        (a.10, a.14) = (a.10 + a.14, a.10 - a.14); (a.11, a.15) = (a.11 + a.15, a.11 - a.15)
        // Stage 4 (distance 8), stored directly
        st(raw, j, a.0 + a.8); st(raw, j + 8 * s, a.0 - a.8)
        st(raw, j + s, a.1 + a.9); st(raw, j + 9 * s, a.1 - a.9)
        st(raw, j + 2 * s, a.2 + a.10); st(raw, j + 10 * s, a.2 - a.10)
        st(raw, j + 3 * s, a.3 + a.11); st(raw, j + 11 * s, a.3 - a.11)
        st(raw, j + 4 * s, a.4 + a.12); st(raw, j + 12 * s, a.4 - a.12)
        st(raw, j + 5 * s, a.5 + a.13); st(raw, j + 13 * s, a.5 - a.13)
        st(raw, j + 6 * s, a.6 + a.14); st(raw, j + 14 * s, a.6 - a.14)
        st(raw, j + 7 * s, a.7 + a.15); st(raw, j + 15 * s, a.7 - a.15)
    }
}
