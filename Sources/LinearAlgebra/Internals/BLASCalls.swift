// The one place this module calls CBLAS. Everything here is column-major;
// the public wrappers translate row-major operands by swapping roles.
internal import CBLAS

@inline(__always)
private func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float {
    public static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasColMajor, cblasTranspose(transA), cblasTranspose(transB),
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

extension Double {
    public static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasColMajor, cblasTranspose(transA), cblasTranspose(transB),
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

extension Float {
    public static func _gemv(
        trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasColMajor, cblasTranspose(trans), blasint(m), blasint(n), alpha, a, blasint(lda), x, 1, beta, y, 1)
    }
}

extension Double {
    public static func _gemv(
        trans: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasColMajor, cblasTranspose(trans), blasint(m), blasint(n), alpha, a, blasint(lda), x, 1, beta, y, 1)
    }
}

/// OpenBLAS's own thread pool size (`openblas_set_num_threads`).
internal func openBLASSetThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
internal func openBLASThreads() -> Int { Int(openblas_get_num_threads()) }
internal func openBLASConfig() -> String {
    guard let c = openblas_get_config() else { return "OpenBLAS" }
    return String(cString: c)
}

extension Double {
    /// `C ← α·A·Aᵀ + β·C` (`trans` false) or `α·Aᵀ·A + β·C` (`trans` true), column-major,
    /// writing the upper triangle of the n×n `C` only.
    public static func _syrkUpper(
        trans: Bool, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dsyrk(CblasColMajor, CblasUpper, cblasTranspose(trans), blasint(n), blasint(k),
                    alpha, a, blasint(lda), beta, c, blasint(ldc))
    }
}
