/// Singular value decompositions through LAPACK's divide-and-conquer driver
/// `?gesdd` (20–45× faster than `?gesvd` when vectors are wanted).
///
/// Storage: inputs are **row-major**. A row-major m×n matrix is handed to
/// column-major LAPACK as its n×m transpose, which has the same singular
/// values; its left and right vectors swap roles, so no copy is made.
///
/// Failure: NaN or infinity in the input throws
/// ``LinearAlgebraError/Code/nonFinite`` before LAPACK is called (LAPACK's
/// result would be undefined); a failure to converge (`info > 0`) throws
/// ``LinearAlgebraError/Code/notConverged``.
public enum SVD {
    /// The singular values of the `rows × cols` matrix held in `buffer`, in
    /// descending order (min(rows, cols) of them). `buffer` is used as
    /// LAPACK's work matrix and its contents are destroyed.
    ///
    /// Calls `?gesdd` with `JOBZ = 'N'` (values only). LAPACK is always
    /// handed a tall column-major matrix (m ≥ n), which it reduces by a QR
    /// factorisation whose Householder vectors run down contiguous columns;
    /// a wide one would take the LQ path with strided rows, 2–7× slower. So
    /// store a tall matrix (rows > cols) `.columnMajor` and a wide one
    /// `.rowMajor` (its column-major view is the tall transpose, which has the
    /// same singular values); the other two combinations work but are slower.
    ///
    /// With `checkingFinite: false` the pass that rejects NaN and infinity is
    /// skipped, for a caller whose matrix is finite by construction; a
    /// non-finite matrix then gives unspecified values instead of an error.
    ///
    /// - Precondition: `buffer.count ≥ rows * cols`.
    public static func singularValues<S: LinearAlgebraScalar>(
        destroying buffer: UnsafeMutableBufferPointer<S>, rows: Int, cols: Int,
        order: StorageOrder = .rowMajor, checkingFinite: Bool = true
    ) throws(LinearAlgebraError) -> [S] {
        precondition(rows >= 0 && cols >= 0 && buffer.count >= rows * cols,
                     "SVD: buffer of \(buffer.count) elements cannot hold \(rows)×\(cols)")
        let k = min(rows, cols)
        if k == 0 { return [] }
        let routine = "\(S._lapackPrefix)gesdd"
        if checkingFinite && !S._allFinite(UnsafeBufferPointer(rebasing: buffer[0..<(rows * cols)])) {
            throw .nonFinite(routine: routine, shape: [rows, cols])
        }
        var s = [S](repeating: 0, count: k)
        // LAPACK's column-major view: the matrix itself, or its transpose.
        let (m, n) = order == .columnMajor ? (rows, cols) : (cols, rows)
        let info = s.withUnsafeMutableBufferPointer { ps in
            S._gesdd(jobz: UInt8(ascii: "N"), m: m, n: n, a: buffer.baseAddress!, lda: max(1, m),
                     s: ps.baseAddress!, u: nil, ldu: 1, vt: nil, ldvt: 1)
        }
        if info > 0 { throw .notConverged(routine: routine, info: info, shape: [rows, cols]) }
        return s
    }

    /// The singular values of `matrix`, in descending order.
    public static func singularValues<S: LinearAlgebraScalar>(
        of matrix: Matrix<S>
    ) throws(LinearAlgebraError) -> [S] {
        var work = matrix.storage
        return try work.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) -> [S] in
            try singularValues(destroying: p, rows: matrix.rows, cols: matrix.cols)
        }
    }

    /// The thin SVD of `matrix` (`?gesdd` with `JOBZ = 'S'`).
    public static func decompose<S: LinearAlgebraScalar>(
        _ matrix: Matrix<S>
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<S> {
        let (m, n) = (matrix.rows, matrix.cols)
        let k = min(m, n)
        let routine = "\(S._lapackPrefix)gesdd"
        if k == 0 {
            return SingularValueDecomposition(
                u: Matrix(rows: m, cols: 0), singularValues: [], vt: Matrix(rows: 0, cols: n))
        }
        if !matrix.storage.withUnsafeBufferPointer(S._allFinite) { throw .nonFinite(routine: routine, shape: [m, n]) }
        var a = matrix.storage
        var s = [S](repeating: 0, count: k)
        // LAPACK factors the column-major n×m matrix Aᵀ = U'·S·V'ᵀ. Then
        // A = V'·S·U'ᵀ: the column-major k×m buffer of V'ᵀ is our row-major
        // m×k U, and the column-major n×k buffer of U' is our row-major k×n Vᵀ.
        var uPrime = [S](repeating: 0, count: n * k)   // becomes Vᵀ (k×n row-major)
        var vtPrime = [S](repeating: 0, count: k * m)  // becomes U (m×k row-major)
        let info = a.withUnsafeMutableBufferPointer { pa in
            s.withUnsafeMutableBufferPointer { ps in
                uPrime.withUnsafeMutableBufferPointer { pu in
                    vtPrime.withUnsafeMutableBufferPointer { pvt in
                        S._gesdd(jobz: UInt8(ascii: "S"), m: n, n: m, a: pa.baseAddress!, lda: n,
                                 s: ps.baseAddress!, u: pu.baseAddress!, ldu: n,
                                 vt: pvt.baseAddress!, ldvt: k)
                    }
                }
            }
        }
        if info > 0 { throw .notConverged(routine: routine, info: info, shape: [m, n]) }
        return SingularValueDecomposition(
            u: Matrix(rows: m, cols: k, storage: vtPrime),
            singularValues: s,
            vt: Matrix(rows: k, cols: n, storage: uPrime))
    }
}
