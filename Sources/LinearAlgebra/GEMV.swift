/// Matrix–vector products through BLAS `?gemv`, on raw column-major
/// buffers (the layout in which projections regenerate blocks of P).
public enum GEMV {
    /// `y = α·op(A)·x + β·y` for a column-major m×n `a` with leading
    /// dimension `lda` (element (i, j) at `a[i + j·lda]`); `op(A)` is A (x has
    /// n entries, y has m) or Aᵀ (x has m, y has n). Unit strides. When β = 0,
    /// y need not be initialised.
    ///
    /// Rounding: each output element is one dot product computed by one
    /// thread, so results do not change with OpenBLAS's thread count.
    public static func columnMajor<S: LinearAlgebraScalar>(
        transpose: Bool, m: Int, n: Int, alpha: S, a: UnsafePointer<S>, lda: Int,
        x: UnsafePointer<S>, beta: S, y: UnsafeMutablePointer<S>
    ) {
        precondition(m >= 0 && n >= 0 && lda >= max(1, m), "GEMV: bad shape \(m)×\(n) with lda \(lda)")
        if m == 0 || n == 0 {
            let count = transpose ? n : m
            for i in 0..<count { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        S._gemv(trans: transpose, m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y)
    }
}
