import CheckpointIO
import Dispatch
import Foundation
import LinearAlgebra

/// Runs the effective-rank analysis of fine-tuning updates.
///
/// ```swift
/// let base = try Checkpoint.open("base/model.safetensors")
/// let tuned = try Checkpoint.open("tuned/")
/// let pairing = try TensorPairing(base: base, tuned: tuned)
/// let result = try RankAnalyzer.run(pairing)
/// for t in result.matrices { print(t.tensor, t.metrics.stableRank) }
/// ```
public enum RankAnalyzer {
    /// Analyses one matrix pair: ΔW in Float64, its singular values through
    /// `dgesdd` (for an update with at least twice as many rows as columns
    /// or the other way round, `dgesdd` of its triangular QR factor, see
    /// ``LinearAlgebra/SVD/tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``;
    /// a tall one of F32/F16/BF16 values is never formed whole but decoded
    /// panel by panel into ``LinearAlgebra/SVD/tallSingularValues(rows:cols:runParts:filling:)``),
    /// and the metrics.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` for unreadable or
    ///   non-finite values; ``RankAnalysisError/Code/decompositionFailed``
    ///   when LAPACK does not converge.
    public static func analyse(_ pair: TensorPair, leadingVectors: Int = 0) throws -> TensorRankResult {
        try analyse(pair, leadingVectors: leadingVectors, workspace: UpdateWorkspace())
    }

    /// ``analyse(_:leadingVectors:)`` with a caller-kept ΔW buffer
    /// (``UpdateWorkspace``), grown when too small and reused across tensors,
    /// so a worker does not fault in fresh pages for every tensor. With `options.topK` set, the
    /// matrix is decomposed by the method `options.method` resolves to for its
    /// shape (``SpectrumMethod/resolved(topK:rows:cols:oversampling:)``), the
    /// randomized one with `threads` threads for its products.
    internal static func analyse(
        _ pair: TensorPair, leadingVectors: Int, options: RankAnalysisOptions = .init(jobs: 1), threads: Int = 1,
        workspace: UpdateWorkspace, runParts: TensorJobs.PartRunner = SVD.serialParts
    ) throws -> TensorRankResult {
        let start = DispatchTime.now()
        let (m, n) = (pair.rows, pair.cols)
        let method = options.topK.map {
            options.method.resolved(topK: $0, rows: m, cols: n, oversampling: options.sketch.oversampling)
        } ?? .exact
        if method == .randomized, let k = options.topK, StreamedUpdate.streams(rows: m, cols: n, options: options.sketch) {
            return try analyseStreamed(pair, topK: k, leadingVectors: leadingVectors, options: options, threads: threads,
                                       start: start)
        }
        if method == .randomized, let k = options.topK {
            return try analyseFormedRandomized(pair, topK: k, leadingVectors: leadingVectors, options: options,
                                               threads: threads, workspace: workspace, start: start)
        }
        // Decoded values are checked, and the difference of two values of at most
        // F32's range is finite in Float64: only an F64 pair needs the NaN pass.
        let finite = pair.base.dtype != .f64 && pair.tuned.dtype != .f64
        if leadingVectors == 0 && finite && SVD.prefersTallPath(rows: m, cols: n) {
            return try analyseTall(pair, options: options, runParts: runParts, start: start)
        }
        // LAPACK is fastest on a tall column-major matrix (see SVD.singularValues).
        let order: StorageOrder = leadingVectors == 0 && m > n ? .columnMajor : .rowMajor
        var σ: [Double] = []
        var vectors: SingularValueDecomposition<Double>? = nil
        let stats = try workspace.withBuffer(count: m * n) { buffer in
            let stats = try pair.computeUpdate(into: buffer, order: order)
            let isZero = !buffer.contains { $0 != 0 }
            do {
                if isZero {
                    σ = [Double](repeating: 0, count: min(m, n, options.topK ?? .max))
                } else if leadingVectors > 0 {
                    let svd = try SVD.decompose(Matrix(rows: m, cols: n, storage: Array(buffer)))
                    σ = svd.singularValues
                    vectors = svd.truncated(to: leadingVectors)
                } else {
                    // LAPACK's column-major view of the buffer: ΔW itself, or its transpose.
                    let (rows, cols) = order == .columnMajor ? (m, n) : (n, m)
                    if SVD.prefersTallPath(rows: rows, cols: cols) {
                        σ = try SVD.tallSingularValues(destroying: buffer, rows: rows, cols: cols, runParts: runParts,
                                                       checkingFinite: !finite)
                    } else {
                        σ = try SVD.singularValues(destroying: buffer, rows: m, cols: n, order: order, checkingFinite: !finite)
                    }
                }
            } catch {
                throw RankAnalysisError(.decompositionFailed, tensor: pair.name, paths: [pair.base.path, pair.tuned.path],
                                        "\(error)")
            }
            return stats
        }
        return result(pair, singularValues: σ, stats: stats, options: options, vectors: vectors, start: start)
    }

    /// The exact values of a tall update (rows ≥ 2 · cols; not F64, so every
    /// value is checked as it is decoded) that is never formed whole: its row
    /// panels are formed column-major straight into the panel buffers of
    /// ``LinearAlgebra/SVD/tallSingularValues(rows:cols:runParts:filling:)``
    /// and factored while in cache, the parts on whichever workers are idle.
    private static func analyseTall(
        _ pair: TensorPair, options: RankAnalysisOptions, runParts: TensorJobs.PartRunner, start: DispatchTime
    ) throws -> TensorRankResult {
        let (m, n) = (pair.rows, pair.cols)
        defer {
            pair.base.releaseResidentPages()
            pair.tuned.releaseResidentPages()
        }
        let parts = PartStatistics(count: SVD.tallRowBlocks(rows: m, cols: n))
        var σ: [Double]
        do {
            σ = try SVD.tallSingularValues(rows: m, cols: n, runParts: runParts) { p, rows, block in
                let s = try pair.computeUpdate(rows: rows, into: block, order: .columnMajor)
                parts.add(s, nonzero: block.contains { $0 != 0 }, part: p)
            }
        } catch let error as LinearAlgebraError {
            throw RankAnalysisError(.decompositionFailed, tensor: pair.name, paths: [pair.base.path, pair.tuned.path],
                                    "\(error)")
        }
        let (stats, isZero) = parts.total
        if isZero { σ = [Double](repeating: 0, count: n) }
        return result(pair, singularValues: σ, stats: stats, options: options, start: start)
    }

    /// The result of an exact analysis from all the singular values.
    private static func result(
        _ pair: TensorPair, singularValues all: [Double], stats: TensorPair.UpdateStatistics,
        options: RankAnalysisOptions, vectors: SingularValueDecomposition<Double>? = nil, start: DispatchTime
    ) -> TensorRankResult {
        let (m, n) = (pair.rows, pair.cols)
        var σ = all
        let τ = NoiseFloor.threshold(rows: m, cols: n, sumSquaredULPBase: stats.sumSquaredULPBase,
                                     sumSquaredULPTuned: stats.sumSquaredULPTuned)
        let metrics = RankMetrics(singularValues: σ, rows: m, cols: n, epsilon: pair.rankEpsilon,
                                  noiseThreshold: τ, baseFrobeniusNorm: stats.baseSumSquares.squareRoot())
        let total = σ.reduce(0) { $0 + $1 * $1 }
        if let k = options.topK, k < σ.count { σ = Array(σ[0..<k]) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return TensorRankResult(tensor: pair.name, shape: pair.shape, rows: m, cols: n, dtype: pair.dtypeLabel,
                                singularValues: σ, frobeniusNormSquared: total, method: .exact, topK: options.topK,
                                metrics: metrics, leadingVectors: vectors, seconds: seconds)
    }

    /// The randomized top-K analysis of an update small enough to form: ΔW
    /// formed row-major in `options.sketch.precision` in the caller's buffer
    /// (reinterpreted as Float for float32) in one pass that also sums
    /// ‖ΔW‖²_F in Float64, then the randomized SVD.
    private static func analyseFormedRandomized(
        _ pair: TensorPair, topK k: Int, leadingVectors: Int, options: RankAnalysisOptions, threads: Int,
        workspace: UpdateWorkspace, start: DispatchTime
    ) throws -> TensorRankResult {
        let (m, n) = (pair.rows, pair.cols)
        let width = options.sketch.precision.byteWidth
        let doubles = (m * n * width + 7) / 8
        let update = StreamedUpdate(pair, blockBytes: options.sketch.streamingBlockBytes)
        func run<S: LinearAlgebraScalar>(_ buffer: UnsafeMutableBufferPointer<S>) throws
            -> (sumOfSquares: Double, stats: TensorPair.UpdateStatistics, svd: SingularValueDecomposition<Double>?) {
            defer {
                pair.base.releaseResidentPages()
                pair.tuned.releaseResidentPages()
            }
            do {
                return try RandomizedSpectrum.decompose(forming: update, in: buffer, topK: k, options: options.sketch,
                                                        threads: threads)
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw RankAnalysisError(.decompositionFailed, tensor: pair.name, paths: [pair.base.path, pair.tuned.path],
                                        "\(error)")
            }
        }
        let (total, stats, svd) = try workspace.withBuffer(count: doubles) { whole in
            switch options.sketch.precision {
            case .float64:
                return try run(whole)
            case .float32:
                return try whole.withMemoryRebound(to: Float.self) { try run(UnsafeMutableBufferPointer(rebasing: $0[0..<(m * n)])) }
            }
        }
        let σ = svd?.singularValues ?? [Double](repeating: 0, count: min(m, n, k))
        let vectors = leadingVectors > 0 ? svd?.truncated(to: leadingVectors) : nil
        let τ = NoiseFloor.threshold(rows: m, cols: n, sumSquaredULPBase: stats.sumSquaredULPBase,
                                     sumSquaredULPTuned: stats.sumSquaredULPTuned)
        let metrics = RankMetrics(leadingSingularValues: σ, frobeniusNormSquared: total, rows: m, cols: n,
                                  epsilon: pair.rankEpsilon, noiseThreshold: τ, baseFrobeniusNorm: stats.baseSumSquares.squareRoot())
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return TensorRankResult(tensor: pair.name, shape: pair.shape, rows: m, cols: n, dtype: pair.dtypeLabel,
                                singularValues: σ, frobeniusNormSquared: total, method: .randomized, topK: k,
                                metrics: metrics, leadingVectors: vectors, seconds: seconds)
    }

    /// The randomized top-K analysis of an update too large to form
    /// (``StreamedUpdate/streams(rows:cols:)``): ‖ΔW‖²_F and the noise statistics
    /// in one pass, then the randomized SVD through row-block products.
    private static func analyseStreamed(
        _ pair: TensorPair, topK k: Int, leadingVectors: Int, options: RankAnalysisOptions, threads: Int,
        start: DispatchTime
    ) throws -> TensorRankResult {
        let (m, n) = (pair.rows, pair.cols)
        let update = StreamedUpdate(pair, blockBytes: options.sketch.streamingBlockBytes)
        let (total, stats) = try update.statistics()
        var σ = [Double](repeating: 0, count: min(m, n, k))
        var vectors: SingularValueDecomposition<Double>? = nil
        if total > 0 {
            do {
                let svd = try RandomizedSpectrum.decompose(streaming: update, topK: k, options: options.sketch, threads: threads)
                σ = svd.singularValues
                if leadingVectors > 0 { vectors = svd.truncated(to: leadingVectors) }
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw RankAnalysisError(.decompositionFailed, tensor: pair.name, paths: [pair.base.path, pair.tuned.path], "\(error)")
            }
        }
        let τ = NoiseFloor.threshold(rows: m, cols: n, sumSquaredULPBase: stats.sumSquaredULPBase,
                                     sumSquaredULPTuned: stats.sumSquaredULPTuned)
        let metrics = RankMetrics(leadingSingularValues: σ, frobeniusNormSquared: total, rows: m, cols: n,
                                  epsilon: pair.rankEpsilon, noiseThreshold: τ, baseFrobeniusNorm: stats.baseSumSquares.squareRoot())
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return TensorRankResult(tensor: pair.name, shape: pair.shape, rows: m, cols: n, dtype: pair.dtypeLabel,
                                singularValues: σ, frobeniusNormSquared: total, method: .randomized, topK: k,
                                metrics: metrics, leadingVectors: vectors, seconds: seconds)
    }

    /// The relative update of a vector pair.
    public static func analyseVector(_ pair: TensorPair) throws -> VectorUpdateResult {
        var buffer = [Double](repeating: 0, count: pair.base.elementCount)
        let stats = try buffer.withUnsafeMutableBufferPointer { try pair.computeUpdate(into: $0) }
        let norm = buffer.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let baseNorm = stats.baseSumSquares.squareRoot()
        let rel = norm == 0 ? 0 : (baseNorm > 0 ? norm / baseNorm : .infinity)
        return VectorUpdateResult(tensor: pair.name, length: pair.base.elementCount, dtype: pair.dtypeLabel,
                                  frobeniusNorm: norm, relativeUpdate: rel)
    }

    /// Analyses every pair of `pairing`, `options.jobs` tensors at a time,
    /// largest first (so the last tensor to finish is a small one).
    ///
    /// Results are bit-identical whatever `jobs` is (OpenBLAS is held at one
    /// thread, also for `jobs = 1`, and its idle pool threads are stopped for
    /// the run, see ``LinearAlgebra/BLASThreads/releaseIdlePool()``; so no other
    /// thread should make threaded BLAS calls meanwhile): each tensor is computed by
    /// one thread with the same single-threaded LAPACK calls, except that the
    /// row blocks of a tall update
    /// (``LinearAlgebra/SVD/prefersTallPath(rows:cols:)``, e.g. a 30522 × 384
    /// embedding) are factored by whichever workers have no other tensor
    /// left, each block by one single-threaded call
    /// (``LinearAlgebra/SVD/tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``). The randomized
    /// method (`options.topK` with ``SpectrumMethod/randomized`` or
    /// ``SpectrumMethod/auto``) is bit-identical for any `jobs` as well: its
    /// sketch comes from the tensor's own Philox stream and its products from
    /// fixed row blocks (``LinearAlgebra/SVD/randomized(rows:cols:matrix:sketch:rank:powerIterations:threads:checkingFinite:)``).
    ///
    /// - Throws: ``RankAnalysisError/Code/invalidOption`` for `jobs < 1`, negative
    ///   leading vectors, `topK < 1`, a `topK` above min(rows, cols) of every matrix,
    ///   more leading vectors than `topK`, ``SpectrumMethod/randomized`` without a
    ///   `topK`, or a negative oversampling or power-iteration count.
    ///
    /// - Parameter progress: called after each tensor, from a worker thread.
    /// - Throws: also the first error any tensor raised; remaining tensors are not started.
    public static func run(
        _ pairing: TensorPairing, options: RankAnalysisOptions = .init(),
        progress: (@Sendable (RankAnalysisProgress) -> Void)? = nil
    ) throws -> RankAnalysisResult {
        guard options.jobs >= 1 else {
            throw RankAnalysisError(.invalidOption, "jobs must be at least 1, got \(options.jobs)")
        }
        guard options.leadingVectors >= 0 else {
            throw RankAnalysisError(.invalidOption, "leading vectors must be ≥ 0, got \(options.leadingVectors)")
        }
        try validateTopK(options, shapes: pairing.matrices.map { ($0.rows, $0.cols) })
        let start = DispatchTime.now()
        let elapsed: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let vectors = try pairing.vectors.map(analyseVector)

        let pairs = pairing.matrices
        let cost = pairs.map { Double($0.rows) * Double($0.cols) * Double(max(1, min($0.rows, $0.cols))) }
        // A lone worker (one job, or one tensor) gives the randomized products all `jobs` threads.
        let threads = min(max(1, options.jobs), max(1, pairs.count)) == 1 ? max(1, options.jobs) : 1
        // A tall update (SVD.prefersTallPath) is factored in row blocks that idle workers help with;
        // with fewer tensors than jobs, the spare workers start only when there is such an update.
        let anyTall = options.leadingVectors == 0 && options.topK == nil
            && pairs.contains { SVD.prefersTallPath(rows: max($0.rows, $0.cols), cols: min($0.rows, $0.cols)) }
        let results = try TensorJobs.run(costs: cost, jobs: options.jobs, names: pairs.map(\.name), helpers: anyTall,
                                         singleThreadedBLAS: true,
                                         progress: progress) { i, workspace, runParts in
            try analyse(pairs[i], leadingVectors: options.leadingVectors, options: options, threads: threads,
                        workspace: workspace, runParts: runParts)
        }
        let skipped = pairing.skipped
            + pairing.unpaired
        return RankAnalysisResult(matrices: results, vectors: vectors,
                                  skipped: skipped.sorted { $0.tensor < $1.tensor }, seconds: elapsed())
    }

    /// Checks the top-K options against the matrices to analyse (`shapes`).
    static func validateTopK(_ options: RankAnalysisOptions, shapes: [(Int, Int)]) throws(RankAnalysisError) {
        try options.sketch.validate()
        guard let k = options.topK else {
            if options.method == .randomized {
                throw RankAnalysisError(.invalidOption, "--method randomized needs --top-k K (the number of singular values to compute)")
            }
            return
        }
        guard k >= 1 else { throw RankAnalysisError(.invalidOption, "--top-k must be at least 1, got \(k)") }
        let largest = shapes.map { min($0.0, $0.1) }.max() ?? k
        guard k <= largest else {
            throw RankAnalysisError(.invalidOption,
                                    "--top-k \(k) exceeds min(rows, cols) of every matrix (the largest is \(largest))")
        }
        guard options.leadingVectors <= k else {
            throw RankAnalysisError(.invalidOption, "--vectors \(options.leadingVectors) exceeds --top-k \(k)")
        }
    }
}
