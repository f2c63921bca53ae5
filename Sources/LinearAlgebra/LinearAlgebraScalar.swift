/// The element types the BLAS/LAPACK wrappers support: `Float` (the `s`
/// routines) and `Double` (the `d` routines).
///
/// The underscored requirements dispatch to the C libraries; they are
/// implementation details, not API.
public protocol LinearAlgebraScalar: BinaryFloatingPoint, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// Machine epsilon, 2⁻²³ for `Float` and 2⁻⁵² for `Double`.
    static var machineEpsilon: Self { get }
    /// The LAPACK/BLAS precision prefix: `"s"` or `"d"`.
    static var _lapackPrefix: String { get }

    // Whether every element is finite. A concrete (specialised) scan: the
    // same loop written generically costs ~100 ns per element unspecialised.
    static func _allFinite(_ values: UnsafeBufferPointer<Self>) -> Bool

    // Column-major C = α·op(A)·op(B) + β·C (`?gemm`).
    static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    // Column-major y = α·op(A)·x + β·y (`?gemv`), unit strides.
    static func _gemv(
        trans: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)

    // Column-major divide-and-conquer SVD (`?gesdd`); returns LAPACK's info.
    static func _gesdd(
        jobz: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Self>, lda: Int,
        s: UnsafeMutablePointer<Self>, u: UnsafeMutablePointer<Self>?, ldu: Int,
        vt: UnsafeMutablePointer<Self>?, ldvt: Int) -> Int

    // Column-major Householder QR (`?geqrf`) then explicit Q (`?orgqr`); returns info.
    static func _geqrf(
        m: Int, n: Int, a: UnsafeMutablePointer<Self>, lda: Int,
        tau: UnsafeMutablePointer<Self>) -> Int
    static func _orgqr(
        m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Self>, lda: Int,
        tau: UnsafePointer<Self>) -> Int

    // Column-major blocked Householder QR in compact WY form (`?geqrt`; T is nb×n);
    // returns info.
    static func _geqrt(
        m: Int, n: Int, nb: Int, a: UnsafeMutablePointer<Self>, lda: Int,
        t: UnsafeMutablePointer<Self>, ldt: Int) -> Int
    // Column-major QR of the triangular-over-pentagonal [A; B] (`?tpqrt`): R
    // overwrites A's upper triangle, the reflectors B; returns info.
    static func _tpqrt(
        m: Int, n: Int, l: Int, nb: Int, a: UnsafeMutablePointer<Self>, lda: Int,
        b: UnsafeMutablePointer<Self>, ldb: Int, t: UnsafeMutablePointer<Self>, ldt: Int) -> Int
}

extension Float: LinearAlgebraScalar {
    public static var machineEpsilon: Float { .ulpOfOne }
    public static var _lapackPrefix: String { "s" }
    public static func _allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        var ok = true
        for x in values { ok = ok && x.isFinite }
        return ok
    }
}

extension Double: LinearAlgebraScalar {
    public static var machineEpsilon: Double { .ulpOfOne }
    public static var _lapackPrefix: String { "d" }
    public static func _allFinite(_ values: UnsafeBufferPointer<Double>) -> Bool {
        var ok = true
        for x in values { ok = ok && x.isFinite }
        return ok
    }
}
