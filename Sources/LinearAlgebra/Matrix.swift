/// A dense matrix stored **row-major**: element (i, j) lives at
/// `storage[i * cols + j]`, rows first, as NumPy's default C order and as
/// PyTorch's `nn.Linear.weight` (out_features × in_features).
///
/// `Matrix` is a value type with copy-on-write storage. The BLAS/LAPACK
/// wrappers (``GEMM``, ``SVD``, ``QR``) take it as is and never transpose it
/// in memory: a row-major m×n matrix is passed to column-major LAPACK as its
/// n×m transpose.
public struct Matrix<Scalar: LinearAlgebraScalar>: Sendable, Equatable {
    /// Number of rows (m).
    public let rows: Int
    /// Number of columns (n).
    public let cols: Int
    /// The `rows × cols` elements, row-major.
    public var storage: [Scalar]

    /// A `rows × cols` matrix filled with `value`.
    ///
    /// - Precondition: `rows ≥ 0`, `cols ≥ 0`.
    public init(rows: Int, cols: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative dimension \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    /// A `rows × cols` matrix over existing row-major storage.
    ///
    /// - Precondition: `storage.count == rows * cols`.
    public init(rows: Int, cols: Int, storage: [Scalar]) {
        precondition(rows >= 0 && cols >= 0 && storage.count == rows * cols,
                     "Matrix: \(storage.count) elements do not fill \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// `other` converted element by element to `Scalar` (rounded to nearest
    /// when narrowing, exact when widening).
    @_specialize(where Scalar == Double, T == Float)
    @_specialize(where Scalar == Float, T == Double)
    public init<T: LinearAlgebraScalar>(converting other: Matrix<T>) {
        self.init(rows: other.rows, cols: other.cols, storage: other.storage.map { Scalar($0) })
    }

    /// A matrix from nested rows, `[[row 0], [row 1], …]`.
    ///
    /// - Precondition: every row has the same length.
    public init(_ nestedRows: [[Scalar]]) {
        let cols = nestedRows.first?.count ?? 0
        precondition(nestedRows.allSatisfy { $0.count == cols }, "Matrix: ragged rows")
        self.init(rows: nestedRows.count, cols: cols, storage: nestedRows.flatMap { $0 })
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }

    /// `[rows, cols]`.
    public var shape: [Int] { [rows, cols] }

    /// Element (i, j), zero-based.
    public subscript(i: Int, j: Int) -> Scalar {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < cols, "Matrix: index (\(i), \(j)) out of \(rows)×\(cols)")
            return storage[i * cols + j]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < cols, "Matrix: index (\(i), \(j)) out of \(rows)×\(cols)")
            storage[i * cols + j] = newValue
        }
    }

    /// The transpose, materialised (cols × rows).
    public func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        if rows == 0 || cols == 0 { return t }
        storage.withUnsafeBufferPointer { src in
            t.storage.withUnsafeMutableBufferPointer { tiledTranspose(src.baseAddress!, rows: rows, cols: cols, into: $0.baseAddress!) }
        }
        return t
    }

    /// The Frobenius norm √Σ aᵢⱼ², accumulated with scaling so that it neither
    /// overflows nor underflows for finite input. NaN propagates.
    public var frobeniusNorm: Scalar {
        var scale: Scalar = 0
        var ssq: Scalar = 1
        for x in storage where x != 0 {
            let a = abs(x)
            if !a.isFinite { return a.isNaN ? .nan : .infinity }
            if scale < a {
                ssq = 1 + ssq * (scale / a) * (scale / a)
                scale = a
            } else {
                ssq += (a / scale) * (a / scale)
            }
        }
        return scale * ssq.squareRoot()
    }
}
