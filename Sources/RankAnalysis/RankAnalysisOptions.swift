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
    /// K: report only the top K singular values of each matrix (`--top-k`), or `nil`
    /// (the default) for the whole spectrum. Metrics that the top K do not determine
    /// are listed in ``RankMetrics/beyondK``. A matrix with min(rows, cols) ≤ K is
    /// always decomposed exactly.
    public var topK: Int?
    /// How the top K are computed when ``topK`` is set (default ``SpectrumMethod/auto``).
    public var method: SpectrumMethod
    /// The randomized SVD's parameters (p = 10, q = 2, seed 0 by default).
    public var sketch: SketchOptions

    /// - Parameters:
    ///   - jobs: defaults to the number of active processors.
    ///   - leadingVectors: defaults to 0 (values only); at most `topK` when that is set.
    ///   - topK: defaults to `nil` (every singular value).
    ///   - method: defaults to ``SpectrumMethod/auto``.
    ///   - sketch: defaults to ``SketchOptions/init(oversampling:powerIterations:seed:)``'s defaults.
    public init(jobs: Int? = nil, leadingVectors: Int = 0, topK: Int? = nil, method: SpectrumMethod = .auto,
                sketch: SketchOptions = .init()) {
        self.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        self.leadingVectors = leadingVectors
        self.topK = topK
        self.method = method
        self.sketch = sketch
    }
}

import Foundation
