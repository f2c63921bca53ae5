import LinearAlgebra

/// The element types projections work in: `Float` and `Double`.
///
/// The dense kernels here are written out rather than taken from BLAS
/// `?gemv`, whose rounding changes with the number of rows per call and the
/// thread count (measured: 10–16 of 5,030 outputs differed between memory
/// budgets); these sum in one fixed order, so P·x and Pᵀ·y are bit-identical
/// for every block size and thread count.
public protocol ProjectionScalar: LinearAlgebraScalar {
    /// In-place unnormalised Walsh–Hadamard transform.
    static func _wht(_ x: UnsafeMutableBufferPointer<Self>, _ implementation: WalshHadamard.Implementation, threads: Int)
    /// Σ a[i]·b[i], i < n, accumulated in 64-byte SIMD lanes (lane = i mod
    /// width) then reduced in lane order: a fixed order for a given n.
    static func _dot(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ n: Int) -> Self
    /// y[i] += α·x[i], i < n.
    static func _axpy(_ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int)
}

@inline(__always)
private func simdDot<V: SIMD>(_ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ n: Int, _: V.Type) -> V.Scalar
where V.Scalar: BinaryFloatingPoint {
    let w = V.scalarCount
    var acc0 = V(), acc1 = V()
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var i = 0
    while i + 2 * w <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i * MemoryLayout<V.Scalar>.stride, as: V.self)
            * rb.loadUnaligned(fromByteOffset: i * MemoryLayout<V.Scalar>.stride, as: V.self)
        acc1 += ra.loadUnaligned(fromByteOffset: (i + w) * MemoryLayout<V.Scalar>.stride, as: V.self)
            * rb.loadUnaligned(fromByteOffset: (i + w) * MemoryLayout<V.Scalar>.stride, as: V.self)
        i += 2 * w
    }
    acc0 += acc1
    var sum: V.Scalar = 0
    for l in 0..<w { sum += acc0[l] }
    while i < n { sum += a[i] * b[i]; i += 1 }
    return sum
}

extension Float: ProjectionScalar {
    public static func _wht(_ x: UnsafeMutableBufferPointer<Float>, _ i: WalshHadamard.Implementation, threads: Int) {
        WalshHadamard.transform(x, using: i, threads: threads)
    }
    public static func _dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        simdDot(a, b, n, SIMD16<Float>.self)
    }
    public static func _axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }
}

extension Double: ProjectionScalar {
    public static func _wht(_ x: UnsafeMutableBufferPointer<Double>, _ i: WalshHadamard.Implementation, threads: Int) {
        WalshHadamard.transform(x, using: i, threads: threads)
    }
    public static func _dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        simdDot(a, b, n, SIMD8<Double>.self)
    }
    public static func _axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }
}
