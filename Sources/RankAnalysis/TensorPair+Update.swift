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
        let (m, n) = (rows, cols)
        // Destination of C-order element `linear`: itself, or (i, j) → i + j·m.
        @inline(__always) func scatter(_ first: Int, _ values: UnsafeBufferPointer<Double>,
                                       _ combine: (Double, Double) -> Double) {
            if order == .rowMajor || n == 1 || m == 1 {
                for k in 0..<values.count { buffer[first + k] = combine(values[k], buffer[first + k]) }
                return
            }
            var i = first / n, j = first % n
            for k in 0..<values.count {
                let d = i + j * m
                buffer[d] = combine(values[k], buffer[d])
                j += 1
                if j == n { j = 0; i += 1 }
            }
        }
        let b = try base.decode { first, values in scatter(first, values) { v, _ in v } }
        let t = try tuned.decode { first, values in scatter(first, values) { v, old in v - old } }
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
