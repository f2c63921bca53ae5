import CheckpointIO
import LinearAlgebra

extension TensorPair {
    /// What computing ΔW learned about the two stored tensors.
    public struct UpdateStatistics: Sendable, Equatable {
        /// ‖W_base‖_F², accumulated in Float64.
        public var baseSumSquares: Double
        /// Σ ulp² of the stored base values (see ``NoiseFloor``).
        public var sumSquaredULPBase: Double
        /// Σ ulp² of the stored tuned values.
        public var sumSquaredULPTuned: Double

        /// The statistics of two disjoint parts of a tensor together (each field summed).
        public static func + (a: Self, b: Self) -> Self {
            UpdateStatistics(baseSumSquares: a.baseSumSquares + b.baseSumSquares,
                             sumSquaredULPBase: a.sumSquaredULPBase + b.sumSquaredULPBase,
                             sumSquaredULPTuned: a.sumSquaredULPTuned + b.sumSquaredULPTuned)
        }
    }

    /// Writes ΔW = tuned − base, as its `rows × cols` matrix view, into
    /// `buffer` in Float64: row-major by default (the C order of the stored
    /// tensor), or column-major (the transpose written as it is decoded, at no
    /// extra memory), which is what LAPACK wants for a tall matrix.
    ///
    /// Each side is converted exactly to Float64 before subtracting: a BF16
    /// difference is never rounded to BF16. Mapped pages of both tensors are
    /// released from the resident set afterwards.
    ///
    /// - Precondition: `buffer.count ≥ base.elementCount`.
    /// - Throws: ``CheckpointIO/CheckpointError/Code/nonFinite`` naming the
    ///   file, tensor and element of the first NaN or infinity on either side.
    public func computeUpdate(
        into buffer: UnsafeMutableBufferPointer<Double>, order: StorageOrder = .rowMajor
    ) throws -> UpdateStatistics {
        precondition(buffer.count >= base.elementCount, "computeUpdate: buffer too small for '\(name)'")
        defer {
            base.releaseResidentPages()
            tuned.releaseResidentPages()
        }
        return try computeUpdate(rows: 0..<rows, into: buffer, order: order)
    }

    /// Writes rows `rows` of ΔW = tuned − base (of its `rows × cols` matrix
    /// view) into `buffer` in Float64, as a `rows.count × cols` matrix:
    /// row-major, or column-major with leading dimension `rows.count`
    /// (element (i, j) at `buffer[(i − rows.lowerBound) + j · rows.count]`),
    /// the layout ``LinearAlgebra/SVD/tallSingularValues(rows:cols:runParts:filling:)``
    /// asks its panels in. Unlike ``computeUpdate(into:order:)`` it leaves the
    /// mapped pages resident (other row ranges may be decoding concurrently):
    /// release them with `base.releaseResidentPages()` and
    /// `tuned.releaseResidentPages()` when the last range is done.
    ///
    /// The statistics are those of these rows alone.
    ///
    /// - Precondition: `rows` lies within 0..<``rows`` and
    ///   `buffer.count ≥ rows.count · cols`.
    /// - Throws: ``CheckpointIO/CheckpointError/Code/nonFinite`` naming the
    ///   file, tensor and element of the first NaN or infinity in these rows.
    public func computeUpdate(
        rows range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>, order: StorageOrder
    ) throws -> UpdateStatistics {
        let (m, n) = (range.count, cols)
        precondition(range.lowerBound >= 0 && range.upperBound <= rows && buffer.count >= m * n,
                     "computeUpdate: rows \(range) or buffer of \(buffer.count) out of bounds for '\(name)'")
        let transpose = order == .columnMajor && m > 1 && n > 1
        // Chunks of whole rows (≈ 256 KiB of doubles), so the transposed
        // write runs down each column in contiguous stretches of `r` values
        // instead of striding m·8 bytes per element.
        let chunk = transpose ? max(1, 32_768 / n) * n : 16_384
        let origin = range.lowerBound * n
        // One pass over both tensors: each chunk of tuned − base is written once.
        let (b, t) = try tuned.decodeDifference(minus: base, elements: origin..<(origin + m * n),
                                                 chunkElements: chunk) { first, values in
            if !transpose {
                for k in 0..<values.count { buffer[first - origin + k] = values[k] }
                return
            }
            let i0 = (first - origin) / n, r = values.count / n
            for j in 0..<n {
                let column = j * m + i0
                for ii in 0..<r { buffer[column + ii] = values[ii * n + j] }
            }
        }
        return UpdateStatistics(baseSumSquares: b.sumSquares, sumSquaredULPBase: b.sumSquaredULP,
                                sumSquaredULPTuned: t.sumSquaredULP)
    }

    /// ΔW = tuned − base as a `rows × cols` Float64 matrix (see ``computeUpdate(into:order:)``).
    public func update() throws -> Matrix<Double> {
        var m = Matrix<Double>(rows: rows, cols: cols)
        _ = try m.storage.withUnsafeMutableBufferPointer { try computeUpdate(into: $0) }
        return m
    }
}
