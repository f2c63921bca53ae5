// The one place this module calls CBLAS. Everything here is column-major;
// the public wrappers translate row-major operands by swapping roles.
internal import CBLAS
#if canImport(Glibc)
import Glibc
#endif

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

/// Stops the threads of OpenBLAS's pool when the linked OpenBLAS is its
/// pthread build (`openblas_get_parallel() == 1`; its `blas_thread_shutdown_`
/// is looked up at run time). A serial or OpenMP build is left alone: the
/// OpenMP build exports the same symbol, which there frees the buffers of
/// its threads instead, and it has no spinning pool. The pthread build
/// starts its pool when the library loads and after each threaded call keeps
/// the threads spinning on `sched_yield` for 2²⁸ cycles (measured here: 0.11 s
/// of CPU) in case more work comes; a process whose BLAS calls are all
/// single-threaded from then on gets that core back. The next threaded call
/// starts the pool again. Never call it while a BLAS call runs on any thread.
internal func openBLASReleasePool() {
    typealias Shutdown = @convention(c) () -> Int32
    guard openblas_get_parallel() == 1, let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }  // nil: RTLD_DEFAULT
    _ = unsafeBitCast(symbol, to: Shutdown.self)()
}
internal func openBLASConfig() -> String {
    guard let c = openblas_get_config() else { return "OpenBLAS" }
    return String(cString: c)
}
/// The kernel in use (`openblas_get_corename`), e.g. `"Haswell"`.
internal func openBLASCorename() -> String {
    guard let c = openblas_get_corename() else { return "unknown" }
    return String(cString: c)
}

/// Whether this OpenBLAS exports a filled-in kernel table `gotoblas_<upper>`
/// (e.g. `gotoblas_SKYLAKEX`), the one `OPENBLAS_CORETYPE` selects in a
/// `DYNAMIC_ARCH` build. The table's first field is `int dtb_entries` (64 in
/// every real table of 0.3.21); Debian's build also exports zero-filled
/// placeholders for cores it does not build (`gotoblas_KATMAI`), which this
/// rejects.
internal func openBLASHasKernelTable(_ upper: String) -> Bool {
    guard let symbol = dlsym(nil, "gotoblas_" + upper) else { return false }  // nil: RTLD_DEFAULT
    return symbol.load(as: Int32.self) > 0
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
