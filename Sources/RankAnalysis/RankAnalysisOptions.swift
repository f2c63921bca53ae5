/// How a rank analysis runs.
public struct RankAnalysisOptions: Sendable, Equatable {
    /// Tensors analysed at once, each on its own thread with single-threaded
    /// BLAS. Peak memory is about `jobs ×` (8 bytes × the largest tensor's
    /// element count) plus LAPACK's small values-only workspace. 1 runs one
    /// tensor at a time with OpenBLAS's own threads.
    public var jobs: Int
    /// How many leading singular triplets (u, σ, v) to keep per tensor; 0
    /// computes values only (`?gesdd` with `JOBZ = 'N'`, much cheaper).
    public var leadingVectors: Int

    /// - Parameters:
    ///   - jobs: defaults to the number of active processors.
    ///   - leadingVectors: defaults to 0 (values only).
    public init(jobs: Int? = nil, leadingVectors: Int = 0) {
        self.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        self.leadingVectors = leadingVectors
    }
}

import Foundation
