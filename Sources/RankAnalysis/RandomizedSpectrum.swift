import CheckpointIO
import LinearAlgebra
import Projections

/// The top-K triplets of one update by randomized SVD, with its sketch drawn
/// from the tensor's own Philox stream (``Projections/GaussianSketch``) and
/// rounded to the scalar type the update is held in (``SketchOptions/precision``).
/// Results are widened to Float64.
internal enum RandomizedSpectrum {
    /// The top `k` triplets of the row-major m×n `matrix`, sketch width
    /// ℓ = min(k + p, min(m, n)), sketch group from `tensor`'s name.
    static func decompose<S: LinearAlgebraScalar>(
        rows m: Int, cols n: Int, matrix: UnsafeBufferPointer<S>, tensor: String, topK k: Int,
        options: SketchOptions, threads: Int, checkingFinite: Bool = true
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<Double> {
        let omega = sketch(rows: m, cols: n, tensor: tensor, topK: k, options: options, as: S.self)
        let svd = try SVD.randomized(rows: m, cols: n, matrix: matrix, sketch: omega, rank: k,
                                     powerIterations: options.powerIterations, threads: threads,
                                     checkingFinite: checkingFinite)
        return SingularValueDecomposition(converting: svd)
    }

    /// ``decompose(rows:cols:matrix:tensor:topK:options:threads:)`` of a Float64
    /// ``LinearAlgebra/Matrix``, rounded to Float first when `options.precision` is float32.
    static func decompose(
        _ matrix: Matrix<Double>, tensor: String, topK k: Int, options: SketchOptions, threads: Int
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<Double> {
        switch options.precision {
        case .float64:
            return try matrix.storage.withUnsafeBufferPointer { (p) throws(LinearAlgebraError) in
                try decompose(rows: matrix.rows, cols: matrix.cols, matrix: p, tensor: tensor, topK: k, options: options,
                              threads: threads)
            }
        case .float32:
            let single = Matrix<Float>(converting: matrix)
            return try single.storage.withUnsafeBufferPointer { (p) throws(LinearAlgebraError) in
                try decompose(rows: matrix.rows, cols: matrix.cols, matrix: p, tensor: tensor, topK: k, options: options,
                              threads: threads)
            }
        }
    }

    /// Forms the ΔW of `update` in `buffer` (row-major, rounded to `S`, in one
    /// pass: ``StreamedUpdate/form(into:)``) and decomposes it; `svd` is nil for a
    /// zero update. The NaN pass over the formed matrix is skipped when the
    /// decoder's checks already guarantee it finite.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` from decoding; the LAPACK error otherwise.
    static func decompose<S: LinearAlgebraScalar>(
        forming update: StreamedUpdate, in buffer: UnsafeMutableBufferPointer<S>, topK k: Int, options: SketchOptions,
        threads: Int
    ) throws -> (sumOfSquares: Double, stats: TensorPair.UpdateStatistics, svd: SingularValueDecomposition<Double>?) {
        let (m, n) = (update.pair.rows, update.pair.cols)
        let (total, stats) = try update.form(into: buffer)
        guard total > 0 else { return (total, stats, nil) }
        // Every decoded value was checked, so the rounded ΔW is finite unless an element
        // overflowed S, which only an element with x² ≥ S.greatestFiniteMagnitude² can.
        let bound = Double(S.greatestFiniteMagnitude)
        let finite = total.isFinite && total < bound * bound
        let svd = try decompose(rows: m, cols: n, matrix: UnsafeBufferPointer(rebasing: buffer[0..<(m * n)]),
                                tensor: update.pair.name, topK: k, options: options, threads: threads,
                                checkingFinite: !finite)
        return (total, stats, svd)
    }

    /// ``decompose(forming:in:topK:options:threads:)`` into a buffer of its own, in `options.precision`.
    static func decompose(
        forming update: StreamedUpdate, topK k: Int, options: SketchOptions, threads: Int
    ) throws -> (sumOfSquares: Double, stats: TensorPair.UpdateStatistics, svd: SingularValueDecomposition<Double>?) {
        let count = update.pair.rows * update.pair.cols
        switch options.precision {
        case .float64:
            var buffer = [Double](repeating: 0, count: count)
            return try buffer.withUnsafeMutableBufferPointer {
                try decompose(forming: update, in: $0, topK: k, options: options, threads: threads)
            }
        case .float32:
            var buffer = [Float](repeating: 0, count: count)
            return try buffer.withUnsafeMutableBufferPointer {
                try decompose(forming: update, in: $0, topK: k, options: options, threads: threads)
            }
        }
    }

    /// ``decompose(rows:cols:matrix:tensor:topK:options:threads:)`` of a ΔW that is
    /// streamed from its checkpoints (``StreamedUpdate``) instead of formed: same
    /// sketch, same algorithm, in `options.precision`; 2q + 2 passes over the two tensors.
    static func decompose(
        streaming update: StreamedUpdate, topK k: Int, options: SketchOptions, threads: Int
    ) throws -> SingularValueDecomposition<Double> {
        switch options.precision {
        case .float64: return try decompose(streaming: update, topK: k, options: options, threads: threads, as: Double.self)
        case .float32: return try decompose(streaming: update, topK: k, options: options, threads: threads, as: Float.self)
        }
    }

    private static func decompose<S: LinearAlgebraScalar>(
        streaming update: StreamedUpdate, topK k: Int, options: SketchOptions, threads: Int, as _: S.Type
    ) throws -> SingularValueDecomposition<Double> {
        let (m, n) = (update.pair.rows, update.pair.cols)
        let omega = sketch(rows: m, cols: n, tensor: update.pair.name, topK: k, options: options, as: S.self)
        let svd = try SVD.randomized(rows: m, cols: n, sketch: omega, rank: k, powerIterations: options.powerIterations) {
            (x: Matrix<S>, t: Bool) throws -> Matrix<S> in
            try update.product(x, transposed: t, threads: threads)
        }
        return SingularValueDecomposition(converting: svd)
    }

    /// The n × ℓ sketch of an m×n update, ℓ = min(k + p, min(m, n)), in `S`.
    private static func sketch<S: LinearAlgebraScalar>(
        rows m: Int, cols n: Int, tensor: String, topK k: Int, options: SketchOptions, as _: S.Type
    ) -> Matrix<S> {
        let l = min(k + options.oversampling, min(m, n))
        return GaussianSketch.matrix(rows: n, cols: l, seed: options.seed, group: GaussianSketch.group(forTensor: tensor),
                                     as: S.self)
    }
}
