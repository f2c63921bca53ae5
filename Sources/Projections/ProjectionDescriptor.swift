import Foundation
import LinearAlgebra

/// Everything that determines a projection P, so it can be recorded
/// (`run.json`, the CLI) and rebuilt bit-for-bit.
///
/// The memory budget is not part of it: it changes how P is held, never its
/// values. The WHT implementation is, because the native and FFTW kernels
/// round differently.
public struct ProjectionDescriptor: Sendable, Hashable, Codable {
    /// The three constructions of P.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// N(0,1) entries, unit-norm columns (Li et al. 2018).
        case dense
        /// ±1 at density 1/√D, unit-norm columns (Li, Hastie & Church 2006).
        case sparse
        /// H G Π H B (Le et al. 2013), never materialised.
        case fastfood
    }

    /// How P is constructed.
    public var kind: Kind
    /// D.
    public var fullDimension: Int
    /// d.
    public var subspaceDimension: Int
    /// The seed of every random stream of P.
    public var seed: UInt64
    /// The tensor index in per-tensor mode (0 for a whole-model projection).
    public var group: Int
    /// Fastfood's block length L' (a power of two ≥ d); `nil` for one block
    /// of L = 2^⌈log₂ max(D, d)⌉.
    public var blockLength: Int?
    /// Fastfood's WHT kernel.
    public var wht: WalshHadamard.Implementation
    /// Per-tensor mode: the element counts of the model's tensors, in
    /// parameter order (their sum is D). Each tensor t gets its own P_t
    /// (stream group t), normalised over its own rows. `nil`: one P over
    /// the whole model.
    public var tensorSizes: [Int]?

    /// A descriptor; nothing is checked until ``validate()`` or ``make(memoryBudget:threads:)``.
    ///
    /// - Parameters:
    ///   - kind: dense, sparse or Fastfood.
    ///   - fullDimension: D, the length of θ_D (P's rows).
    ///   - subspaceDimension: d, the length of θ_d (P's columns), 0 < d ≤ D.
    ///   - seed: the seed of every random stream of P.
    ///   - group: the tensor index in per-tensor mode; 0 for a whole-model P.
    ///   - blockLength: Fastfood's block length, a power of two ≥ d, or `nil` for one block.
    ///   - wht: Fastfood's Walsh–Hadamard kernel.
    ///   - tensorSizes: per-tensor mode's element counts, in parameter order, summing to D; `nil` for one P.
    public init(kind: Kind, fullDimension: Int, subspaceDimension: Int, seed: UInt64, group: Int = 0,
                blockLength: Int? = nil, wht: WalshHadamard.Implementation = .native, tensorSizes: [Int]? = nil) {
        self.kind = kind
        self.fullDimension = fullDimension
        self.subspaceDimension = subspaceDimension
        self.seed = seed
        self.group = group
        self.blockLength = blockLength
        self.wht = wht
        self.tensorSizes = tensorSizes
    }

    /// Checks the dimensions.
    ///
    /// - Throws: ``ProjectionError`` when d ≤ 0, D ≤ 0, d > D, or a block
    ///   length is not a power of two ≥ d.
    public func validate() throws(ProjectionError) {
        try validateShape()
        guard subspaceDimension <= fullDimension else {
            throw .invalidDimension("d = \(subspaceDimension) exceeds D = \(fullDimension); a subspace cannot be larger than the space")
        }
        if let sizes = tensorSizes {
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
                throw .invalidDimension("per-tensor sizes must be positive, got \(sizes)")
            }
            guard sizes.reduce(0, +) == fullDimension else {
                throw .invalidDimension("per-tensor sizes sum to \(sizes.reduce(0, +)), not D = \(fullDimension)")
            }
            guard blockLength == nil else { throw .invalidDimension("a block length does not apply in per-tensor mode") }
        }
    }

    /// The checks that also hold for one tensor's block in per-tensor mode,
    /// where d may exceed that tensor's D.
    internal func validateShape() throws(ProjectionError) {
        guard fullDimension > 0 else { throw .invalidDimension("D (full dimension) must be positive, got \(fullDimension)") }
        guard subspaceDimension > 0 else { throw .invalidDimension("d (subspace dimension) must be positive, got \(subspaceDimension)") }
        if let l = blockLength {
            guard kind == .fastfood else { throw .invalidDimension("a block length applies to fastfood only") }
            guard l > 0, l & (l - 1) == 0, l >= subspaceDimension else {
                throw .invalidDimension("fastfood block length \(l) must be a power of two ≥ d = \(subspaceDimension)")
            }
        }
    }

    /// Builds P. `memoryBudget` (bytes) caps what dense and sparse
    /// projections hold in memory (see ``DenseProjection``, ``SparseProjection``);
    /// `threads` is how many threads Fastfood's WHTs use (results do not depend on it).
    public func make(memoryBudget: Int = 256 << 20,
                     threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ProjectionError) -> any Projection {
        try validate()
        if tensorSizes != nil { return PerTensorProjection(self, memoryBudget: memoryBudget, threads: threads) }
        return makeBlock(memoryBudget: memoryBudget, threads: threads)
    }

    /// One P, without the whole-model check d ≤ D (a per-tensor block).
    internal func makeBlock(memoryBudget: Int, threads: Int) -> any Projection {
        switch kind {
        case .dense: return DenseProjection(self, memoryBudget: memoryBudget)
        case .sparse: return SparseProjection(self, memoryBudget: memoryBudget)
        case .fastfood: return FastfoodProjection(self, threads: threads)
        }
    }
}
