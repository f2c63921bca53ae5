import Dispatch
import Foundation
import LinearAlgebra
import Synchronization

/// The Fastfood transform (Le, Sarlós & Smola 2013) as Li et al. (2018) use
/// it for intrinsic dimension: P is never materialised, only its diagonals
/// and permutation (O(L) memory).
///
/// With L = 2^⌈log₂ max(D, d)⌉ (or the chosen block length L' ≥ d, stacking
/// ⌈D/L'⌉ independent blocks):
///
///     P·x = (H G Π H B · pad(x))[:D] / (‖G‖ · √L · √(D/L))
///
/// B ∈ {±1}^L, Π a random permutation of L, G ~ N(0,1)^L, H the
/// unnormalised Walsh–Hadamard matrix; each block has its own B, Π, G and
/// ‖G‖. Every column has unit norm before truncation to D rows and unit
/// norm in expectation after it. Pᵀ is the exact adjoint (same operators in
/// reverse, Πᵀ for Π). Random draws follow `RandomStreams.md`, so a NumPy
/// reimplementation reproduces P from (D, d, seed, group, L').
///
/// Cost per apply or transpose: one WHT of length L and one of length
/// m = 2^⌈log₂ d⌉ per block plus O(L) gathers. The WHT next to x touches only
/// d nonzero (or needed) entries: with H_L = H_{L/m} ⊗ H_m, H_L·pad(v) is
/// H_m·v repeated L/m times (so Π gathers from index mod m), and the first m
/// entries of H_L·u are H_m·(Σ of u's L/m blocks of m); the transpose adds
/// G·H·w straight into those m residues (per fixed chunk of 2^16 entries when
/// m ≤ 2^14, the chunks then summed in order), so it never scatters into a
/// length-L buffer. The same values as two full-length WHTs up to rounding, and
/// the same for any thread count. Memory: per block, L permutation entries (UInt32) and L Gaussian
/// entries in Float32 and Float64; scratch buffers of 2L values are pooled
/// across calls.
public final class FastfoodProjection: Projection, @unchecked Sendable {
    public let descriptor: ProjectionDescriptor
    public var fullDimension: Int { descriptor.fullDimension }
    public var subspaceDimension: Int { descriptor.subspaceDimension }
    /// The block length L.
    public let blockLength: Int
    /// The number of stacked blocks, ⌈D / L⌉.
    public let blockCount: Int

    private struct Block {
        var signs: [Double]        // B[0..<d] (the rest multiply padding zeros)
        var permutation: AlignedBuffer<UInt32>  // perm[k]: (Πv)[k] = v[perm[k]]
        var gaussian: AlignedBuffer<Double>     // G, length L
        var gaussianF: AlignedBuffer<Float>
        var signsF: [Float]
        var scale: Double          // 1 / (‖G‖·√L·√(D/L)) = 1 / (‖G‖·√D)
    }
    private let blocks: [Block]
    private let scratchF = Mutex<[AlignedBuffer<Float>]>([])
    private let scratchD = Mutex<[AlignedBuffer<Double>]>([])

    /// Threads one apply or transpose may use (results do not depend on it).
    public let threads: Int

    /// Builds the diagonals and permutations from `descriptor`.
    ///
    /// - Precondition: `descriptor.validate()` passes (d may exceed D for a per-tensor block).
    public init(_ descriptor: ProjectionDescriptor, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.threads = max(1, threads)
        precondition((try? descriptor.validateShape()) != nil, "FastfoodProjection: invalid descriptor \(descriptor)")
        self.descriptor = descriptor
        let (D, d) = (descriptor.fullDimension, descriptor.subspaceDimension)
        let L = descriptor.blockLength ?? (1 << (Int.bitWidth - (max(D, d) - 1).leadingZeroBitCount))
        blockLength = max(1, L)
        blockCount = (D + blockLength - 1) / blockLength
        let seed = descriptor.seed, group = descriptor.group
        let L2 = blockLength
        blocks = (0..<blockCount).map { Self.makeBlock(seed: seed, group: group, index: $0, length: L2, d: d, D: D) }
    }

    private static func makeBlock(seed: UInt64, group: Int, index: Int, length L: Int, d: Int, D: Int) -> Block {
        let signStream = RandomStream(seed: seed, kind: .fastfoodSigns, group: group, index: index)
        let signs = (0..<d).map { signStream.sign($0) }
        // G: normals 0..<L, generated in parallel chunks (results are per-index).
        var g = [Double](repeating: 0, count: L)
        let gaussStream = RandomStream(seed: seed, kind: .fastfoodGaussian, group: group, index: index)
        let chunk = 1 << 16
        g.withUnsafeMutableBufferPointer { pg in
            nonisolated(unsafe) let base = pg
            DispatchQueue.concurrentPerform(iterations: (L + chunk - 1) / chunk) { c in
                let start = c * chunk, n = min(chunk, L - start)
                gaussStream.fillNormals(from: start, into: UnsafeMutableBufferPointer(rebasing: base[start..<(start + n)]))
            }
        }
        var norm2 = 0.0
        for v in g { norm2 += v * v }
        // Π: the stream's Fisher–Yates shuffle.
        let perm = RandomStream(seed: seed, kind: .fastfoodPermutation, group: group, index: index)
            .fisherYates(count: L, as: UInt32.self)
        let scale = norm2 > 0 ? 1 / (norm2.squareRoot() * Double(D).squareRoot()) : 0
        let permBuffer = AlignedBuffer<UInt32>(count: L, repeating: 0)
        permBuffer.withUnsafeMutableBufferPointer { p in for k in 0..<L { p[k] = perm[k] } }
        let gBuffer = AlignedBuffer<Double>(count: L, repeating: 0)
        let gfBuffer = AlignedBuffer<Float>(count: L, repeating: 0)
        gBuffer.withUnsafeMutableBufferPointer { p in for k in 0..<L { p[k] = g[k] } }
        gfBuffer.withUnsafeMutableBufferPointer { p in for k in 0..<L { p[k] = Float(g[k]) } }
        return Block(signs: signs, permutation: permBuffer, gaussian: gBuffer, gaussianF: gfBuffer,
                     signsF: signs.map(Float.init), scale: scale)
    }

    // MARK: Scratch

    private func withScratch<S: ProjectionScalar, R>(_: S.Type, _ body: (UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> R) -> R {
        let L = blockLength
        func split(_ raw: UnsafeMutableRawBufferPointer) -> R {
            let p = raw.bindMemory(to: S.self)
            return body(UnsafeMutableBufferPointer(rebasing: p[0..<L]), UnsafeMutableBufferPointer(rebasing: p[L..<(2 * L)]))
        }
        if S.self == Float.self {
            let pair = scratchF.withLock { $0.popLast() } ?? AlignedBuffer<Float>(count: 2 * L, repeating: 0)
            defer { scratchF.withLock { $0.append(pair) } }
            return pair.withUnsafeMutableBufferPointer { split(UnsafeMutableRawBufferPointer($0)) }
        } else {
            let pair = scratchD.withLock { $0.popLast() } ?? AlignedBuffer<Double>(count: 2 * L, repeating: 0)
            defer { scratchD.withLock { $0.append(pair) } }
            return pair.withUnsafeMutableBufferPointer { split(UnsafeMutableRawBufferPointer($0)) }
        }
    }

    // MARK: Kernels

    /// Runs `body` over `0..<n` split into contiguous ranges, one per thread.
    private func inChunks(_ n: Int, _ body: (Range<Int>) -> Void) {
        let t = n >= 1 << 16 ? threads : 1
        if t == 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { b in
            nonisolated(unsafe) let f = b
            DispatchQueue.concurrentPerform(iterations: t) { w in f((n * w / t)..<(n * (w + 1) / t)) }
        }
    }

    /// The transpose sums into m residues per chunk of `residueChunk` entries when m ≤ this.
    static let residueLimit = 1 << 14
    static let residueChunk = 1 << 16

    /// Runs `body` over `0..<n` items (fixed units of work) split into contiguous ranges, one per thread.
    private func inParts(_ n: Int, _ body: (Range<Int>) -> Void) {
        let t = min(threads, n)
        if t <= 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { b in
            nonisolated(unsafe) let f = b
            DispatchQueue.concurrentPerform(iterations: t) { w in f((n * w / t)..<(n * (w + 1) / t)) }
        }
    }

    private func applyGeneric<S: ProjectionScalar>(_ x: UnsafeBufferPointer<S>, _ y: UnsafeMutableBufferPointer<S>,
                                                   signs: (Block) -> [S], gaussian: (Block) -> AlignedBuffer<S>) {
        checkApply(x.count, y.count)
        let (L, d, D, wht) = (blockLength, subspaceDimension, fullDimension, descriptor.wht)
        withScratch(S.self) { v, w in
            for (b, block) in blocks.enumerated() {
                let bs = signs(block), g = gaussian(block)
                let m = Self.innerLength(d: d, L: L), mask = m - 1
                for j in 0..<d { v[j] = x[j] * bs[j] }
                for j in d..<m { v[j] = 0 }
                S._wht(UnsafeMutableBufferPointer(rebasing: v[0..<m]), wht, threads: threads)
                block.permutation.withUnsafeBufferPointer { perm in
                    g.withUnsafeBufferPointer { g in
                        // H_L·pad(v) repeats H_m·v: entry perm[k] of it is entry perm[k] mod m.
                        inChunks(L) { r in for k in r { w[k] = g[k] * v[Int(perm[k]) & mask] } }
                    }
                }
                S._wht(w, wht, threads: threads)
                let s = S(block.scale), r0 = b * L, rows = min(L, D - r0)
                inChunks(rows) { r in for i in r { y[r0 + i] = w[i] * s } }
            }
        }
    }

    private func transposeGeneric<S: ProjectionScalar>(_ gIn: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>,
                                                       signs: (Block) -> [S], gaussian: (Block) -> AlignedBuffer<S>) {
        checkTranspose(gIn.count, out.count)
        let (L, d, D, wht) = (blockLength, subspaceDimension, fullDimension, descriptor.wht)
        for j in 0..<d { out[j] = 0 }
        withScratch(S.self) { v, w in
            for (b, block) in blocks.enumerated() {
                let bs = signs(block), g = gaussian(block)
                let s = S(block.scale), r0 = b * L, rows = min(L, D - r0)
                inChunks(L) { r in
                    for i in r { w[i] = i < rows ? gIn[r0 + i] * s : 0 }
                }
                S._wht(w, wht, threads: threads)
                // The first m entries of H_L·v are H_m·(the sum of v's L/m blocks of m), and entry
                // k of w lands at v[perm[k]], i.e. in residue perm[k] mod m of that sum.
                let m = Self.innerLength(d: d, L: L), mask = m - 1
                block.permutation.withUnsafeBufferPointer { perm in
                    g.withUnsafeBufferPointer { g in
                        if m <= Self.residueLimit {
                            // Scatter-add into m residues per fixed chunk of k (v holds the chunks'
                            // partial sums, chunks·m ≤ L), then the chunks summed in order: cache-resident
                            // writes instead of L random ones, and the same values for any thread count.
                            let c = min(L, Self.residueChunk), chunks = L / c
                            inParts(chunks) { parts in
                                for part in parts {
                                    let acc = v.baseAddress! + part * m
                                    acc.initialize(repeating: 0, count: m)
                                    for k in (part * c)..<((part + 1) * c) { acc[Int(perm[k]) & mask] += g[k] * w[k] }
                                }
                            }
                            inChunks(m) { r in
                                for j in r {
                                    var sum = v[j]
                                    for part in 1..<chunks { sum += v[part * m + j] }
                                    w[j] = sum
                                }
                            }
                        } else {
                            // A permutation: every v index is written by exactly one k.
                            inChunks(L) { r in for k in r { v[Int(perm[k])] = g[k] * w[k] } }
                            // Summed in block order.
                            let q = L / m
                            inChunks(m) { r in
                                for c in r { w[c] = v[c] }
                                for a in 1..<max(1, q) { let o = a * m; for c in r { w[c] += v[o + c] } }
                            }
                        }
                    }
                }
                S._wht(UnsafeMutableBufferPointer(rebasing: w[0..<m]), wht, threads: threads)
                for j in 0..<d { out[j] += w[j] * bs[j] }
            }
        }
    }

    /// m = 2^⌈log₂ d⌉ (at most L): the length of the WHT next to x.
    static func innerLength(d: Int, L: Int) -> Int {
        var m = 1
        while m < d { m <<= 1 }
        return min(m, L)
    }

    public func apply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        applyGeneric(x, y, signs: { $0.signsF }, gaussian: { $0.gaussianF })
    }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        applyGeneric(x, y, signs: { $0.signs }, gaussian: { $0.gaussian })
    }
    public func applyTranspose(_ g: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        transposeGeneric(g, out, signs: { $0.signsF }, gaussian: { $0.gaussianF })
    }
    public func applyTranspose(_ g: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        transposeGeneric(g, out, signs: { $0.signs }, gaussian: { $0.gaussian })
    }

    /// The random draws of block `b`, for checks against a reference:
    /// signs B[0..<d], the permutation, and G.
    public func draws(block b: Int) -> (signs: [Double], permutation: [Int], gaussian: [Double]) {
        (blocks[b].signs, blocks[b].permutation.withUnsafeBufferPointer { $0.map(Int.init) },
         blocks[b].gaussian.withUnsafeBufferPointer { Array($0) })
    }
}
