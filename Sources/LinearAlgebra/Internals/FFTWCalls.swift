// The one place this module touches FFTW: its version string, and the
// Walsh–Hadamard transform as a rank-k real-to-real plan of k dimensions of
// size 2, each of kind R2HC ((a, b) → (a + b, a − b)), which is exactly the
// unnormalised length-2^k WHT in natural (Sylvester) order.
//
// FFTW's planner is not thread-safe: plans are made once per (length,
// precision) under a lock and cached for the life of the process; executing
// a plan on new arrays (fftw_execute_r2r) is thread-safe. Plans use
// FFTW_ESTIMATE (FFTW_MEASURE would overwrite the planning buffer) and
// FFTW_UNALIGNED, so any caller buffer may be passed.
internal import CFFTW3
import Synchronization

internal func fftwVersionString() -> String { String(cString: cfftw3_version()) }

private struct PlanCache: ~Copyable {
    var double: [Int: OpaquePointer] = [:]
    var float: [Int: OpaquePointer] = [:]
}

private let planCache = Mutex(PlanCache())

private let planFlags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED)

/// The cached double-precision plan for length 2^k (k ≥ 1).
private func doublePlan(log2Length k: Int) -> OpaquePointer {
    planCache.withLock { cache in
        if let p = cache.double[k] { return p }
        let n = 1 << k
        var dims = [Int32](repeating: 2, count: k)
        var kinds = [fftw_r2r_kind](repeating: FFTW_R2HC, count: k)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { scratch.deallocate() }
        guard let plan = fftw_plan_r2r(Int32(k), &dims, scratch, scratch, &kinds, planFlags) else {
            preconditionFailure("fftw_plan_r2r failed for a rank-\(k) size-2 R2HC plan")
        }
        cache.double[k] = plan
        return plan
    }
}

/// The cached single-precision plan for length 2^k (k ≥ 1).
private func floatPlan(log2Length k: Int) -> OpaquePointer {
    planCache.withLock { cache in
        if let p = cache.float[k] { return p }
        let n = 1 << k
        var dims = [Int32](repeating: 2, count: k)
        var kinds = [fftwf_r2r_kind](repeating: FFTW_R2HC, count: k)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { scratch.deallocate() }
        guard let plan = fftwf_plan_r2r(Int32(k), &dims, scratch, scratch, &kinds, planFlags) else {
            preconditionFailure("fftwf_plan_r2r failed for a rank-\(k) size-2 R2HC plan")
        }
        cache.float[k] = plan
        return plan
    }
}

/// In-place FFTW WHT of `x` (count a power of two ≥ 2).
internal func fftwWHT(_ x: UnsafeMutableBufferPointer<Double>, log2Length k: Int) {
    fftw_execute_r2r(doublePlan(log2Length: k), x.baseAddress!, x.baseAddress!)
}

/// In-place FFTW WHT of `x` (count a power of two ≥ 2).
internal func fftwWHT(_ x: UnsafeMutableBufferPointer<Float>, log2Length k: Int) {
    fftwf_execute_r2r(floatPlan(log2Length: k), x.baseAddress!, x.baseAddress!)
}
