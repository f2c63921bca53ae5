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
    }

    /// Writes ΔW = tuned − base into `buffer` in Float64, row-major (C order
    /// of the stored tensor, so a ≥3-D tensor is its `rows × cols` view).
    ///
    /// Each side is converted exactly to Float64 before subtracting: a BF16
    /// difference is never rounded to BF16. Mapped pages of both tensors are
    /// released from the resident set afterwards.
    ///
    /// - Precondition: `buffer.count ≥ base.elementCount`.
    /// - Throws: ``CheckpointIO/CheckpointError/Code/nonFinite`` naming the
    ///   file, tensor and element of the first NaN or infinity on either side.
    public func computeUpdate(into buffer: UnsafeMutableBufferPointer<Double>) throws -> UpdateStatistics {
        precondition(buffer.count >= base.elementCount, "computeUpdate: buffer too small for '\(name)'")
        defer {
            base.releaseResidentPages()
            tuned.releaseResidentPages()
        }
        let b = try base.decode { first, values in
            for k in 0..<values.count { buffer[first + k] = values[k] }
        }
        let t = try tuned.decode { first, values in
            for k in 0..<values.count { buffer[first + k] = values[k] - buffer[first + k] }
        }
        return UpdateStatistics(baseSumSquares: b.sumSquares, sumSquaredULPBase: b.sumSquaredULP,
                                sumSquaredULPTuned: t.sumSquaredULP)
    }

    /// ΔW = tuned − base as a `rows × cols` Float64 matrix (see ``computeUpdate(into:)``).
    public func update() throws -> Matrix<Double> {
        var m = Matrix<Double>(rows: rows, cols: cols)
        _ = try m.storage.withUnsafeMutableBufferPointer { try computeUpdate(into: $0) }
        return m
    }
}
