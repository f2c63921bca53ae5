import LinearAlgebra

/// The standard Gaussian test matrices Ω of randomized SVDs
/// (``LinearAlgebra/SVD/randomized(_:sketch:rank:powerIterations:threads:)``),
/// drawn from Philox streams of kind ``StreamKind/sketch``.
///
/// Entry (i, j) of the n×ℓ sketch is normal number i of the stream
/// `(seed, sketch, group, index: j)`: each column is its own stream, so the
/// sketch depends on nothing but (seed, group, n) and the column index. It never
/// depends on the thread count or the order tensors are processed in, and the
/// sketch with ℓ columns is the first ℓ columns of any wider one.
public enum GaussianSketch {
    /// The n×ℓ standard normal sketch (`rows` = n, `cols` = ℓ), row-major.
    ///
    /// - Precondition: `rows ≥ 0`, `0 ≤ cols < 2³²`, `0 ≤ group < 2²⁴`.
    public static func matrix(rows: Int, cols: Int, seed: UInt64, group: Int) -> Matrix<Double> {
        matrix(rows: rows, cols: cols, seed: seed, group: group, as: Double.self)
    }

    /// ``matrix(rows:cols:seed:group:)`` in `S`: the same Float64 normals,
    /// each rounded to `S` (so a `Float` sketch is the `Double` one rounded).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func matrix<S: LinearAlgebraScalar>(
        rows: Int, cols: Int, seed: UInt64, group: Int, as _: S.Type
    ) -> Matrix<S> {
        var omega = Matrix<S>(rows: rows, cols: cols)
        var column = [Double](repeating: 0, count: rows)
        for j in 0..<cols {
            let stream = RandomStream(seed: seed, kind: .sketch, group: group, index: j)
            column.withUnsafeMutableBufferPointer { stream.fillNormals(from: 0, into: $0) }
            for i in 0..<rows { omega.storage[i * cols + j] = S(column[i]) }
        }
        return omega
    }

    /// The stream group of the tensor `name`: its 64-bit FNV-1a hash (over the
    /// UTF-8 bytes) folded to 24 bits by xor of the three 24-bit slices. Stable
    /// across runs, filters and machines, so a tensor gets the same sketch
    /// whatever else is analysed with it.
    public static func group(forTensor name: String) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let mask: UInt64 = (1 << 24) - 1
        return Int((h ^ (h >> 24) ^ (h >> 48)) & mask)
    }
}
