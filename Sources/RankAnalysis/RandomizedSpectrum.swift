import LinearAlgebra
import Projections

/// The top-K triplets of one update by randomized SVD, with its sketch drawn
/// from the tensor's own Philox stream (``Projections/GaussianSketch``).
internal enum RandomizedSpectrum {
    /// The top `k` triplets of the row-major m×n `matrix`, sketch width
    /// ℓ = min(k + p, min(m, n)), sketch group from `tensor`'s name.
    static func decompose(
        rows m: Int, cols n: Int, matrix: UnsafeBufferPointer<Double>, tensor: String, topK k: Int,
        options: SketchOptions, threads: Int
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<Double> {
        let l = min(k + options.oversampling, min(m, n))
        let omega = GaussianSketch.matrix(rows: n, cols: l, seed: options.seed, group: GaussianSketch.group(forTensor: tensor))
        return try SVD.randomized(rows: m, cols: n, matrix: matrix, sketch: omega, rank: k,
                                  powerIterations: options.powerIterations, threads: threads)
    }

    /// ``decompose(rows:cols:matrix:tensor:topK:options:threads:)`` of a ``LinearAlgebra/Matrix``.
    static func decompose(
        _ matrix: Matrix<Double>, tensor: String, topK k: Int, options: SketchOptions, threads: Int
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<Double> {
        try matrix.storage.withUnsafeBufferPointer { (p) throws(LinearAlgebraError) in
            try decompose(rows: matrix.rows, cols: matrix.cols, matrix: p, tensor: tensor, topK: k, options: options,
                          threads: threads)
        }
    }

    /// ``decompose(rows:cols:matrix:tensor:topK:options:threads:)`` of a ΔW that is
    /// streamed from its checkpoints (``StreamedUpdate``) instead of formed: same
    /// sketch, same algorithm; 2q + 2 passes over the two tensors.
    static func decompose(
        streaming update: StreamedUpdate, topK k: Int, options: SketchOptions, threads: Int
    ) throws -> SingularValueDecomposition<Double> {
        let (m, n) = (update.pair.rows, update.pair.cols)
        let l = min(k + options.oversampling, min(m, n))
        let omega = GaussianSketch.matrix(rows: n, cols: l, seed: options.seed,
                                          group: GaussianSketch.group(forTensor: update.pair.name))
        return try SVD.randomized(rows: m, cols: n, sketch: omega, rank: k, powerIterations: options.powerIterations) { x, t in
            try update.product(x, transposed: t, threads: threads)
        }
    }

    /// Σ xᵢ² of a buffer: ‖ΔW‖²_F, the energy the top K are measured against.
    static func sumOfSquares(_ values: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for x in values { s += x * x }
        return s
    }
}
