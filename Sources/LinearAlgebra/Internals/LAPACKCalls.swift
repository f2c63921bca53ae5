// The one place this module calls LAPACKE. All calls are column-major and go
// through the `_work` variants with a workspace query, so no hidden row-major
// transposition copies are made. A negative `info` is an illegal argument
// from this module (a bug) and traps, naming the routine and argument.
internal import CLAPACKE

/// `lapack_int` of Debian's LAPACKE (LP64: a 32-bit int; the C name is a macro Swift cannot see).
internal typealias LAPACKInt = Int32

@inline(__always)
private func checkArguments(_ routine: String, _ info: LAPACKInt) -> Int {
    precondition(info >= 0, "\(routine): argument \(-info) had an illegal value")
    return Int(info)
}

extension Float {
    public static func _gesdd(
        jobz: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
        s: UnsafeMutablePointer<Float>, u: UnsafeMutablePointer<Float>?, ldu: Int,
        vt: UnsafeMutablePointer<Float>?, ldvt: Int
    ) -> Int {
        let job = CChar(bitPattern: jobz)
        var iwork = [LAPACKInt](repeating: 0, count: 8 * max(1, min(m, n)))
        var query: Float = 0
        var info = LAPACKE_sgesdd_work(
            LAPACK_COL_MAJOR, job, LAPACKInt(m), LAPACKInt(n), a, LAPACKInt(lda), s,
            u, LAPACKInt(ldu), vt, LAPACKInt(ldvt), &query, -1, &iwork)
        _ = checkArguments("sgesdd", info)
        let lwork = max(1, Int(query))
        var work = [Float](repeating: 0, count: lwork)
        info = LAPACKE_sgesdd_work(
            LAPACK_COL_MAJOR, job, LAPACKInt(m), LAPACKInt(n), a, LAPACKInt(lda), s,
            u, LAPACKInt(ldu), vt, LAPACKInt(ldvt), &work, LAPACKInt(lwork), &iwork)
        return checkArguments("sgesdd", info)
    }

    public static func _geqrf(
        m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int, tau: UnsafeMutablePointer<Float>
    ) -> Int {
        checkArguments("sgeqrf", LAPACKE_sgeqrf(LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), a, LAPACKInt(lda), tau))
    }

    public static func _orgqr(
        m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Float>, lda: Int, tau: UnsafePointer<Float>
    ) -> Int {
        checkArguments("sorgqr", LAPACKE_sorgqr(LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(k), a, LAPACKInt(lda), tau))
    }

    public static func _geqrt(
        m: Int, n: Int, nb: Int, a: UnsafeMutablePointer<Float>, lda: Int, t: UnsafeMutablePointer<Float>, ldt: Int
    ) -> Int {
        var work = [Float](repeating: 0, count: max(1, nb * n))
        return checkArguments("sgeqrt", LAPACKE_sgeqrt_work(
            LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(nb), a, LAPACKInt(lda), t, LAPACKInt(ldt), &work))
    }

    public static func _tpqrt(
        m: Int, n: Int, l: Int, nb: Int, a: UnsafeMutablePointer<Float>, lda: Int,
        b: UnsafeMutablePointer<Float>, ldb: Int, t: UnsafeMutablePointer<Float>, ldt: Int
    ) -> Int {
        var work = [Float](repeating: 0, count: max(1, nb * n))
        return checkArguments("stpqrt", LAPACKE_stpqrt_work(
            LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(l), LAPACKInt(nb), a, LAPACKInt(lda),
            b, LAPACKInt(ldb), t, LAPACKInt(ldt), &work))
    }
}

extension Double {
    public static func _gesdd(
        jobz: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
        s: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>?, ldu: Int,
        vt: UnsafeMutablePointer<Double>?, ldvt: Int
    ) -> Int {
        let job = CChar(bitPattern: jobz)
        var iwork = [LAPACKInt](repeating: 0, count: 8 * max(1, min(m, n)))
        var query: Double = 0
        var info = LAPACKE_dgesdd_work(
            LAPACK_COL_MAJOR, job, LAPACKInt(m), LAPACKInt(n), a, LAPACKInt(lda), s,
            u, LAPACKInt(ldu), vt, LAPACKInt(ldvt), &query, -1, &iwork)
        _ = checkArguments("dgesdd", info)
        let lwork = max(1, Int(query))
        var work = [Double](repeating: 0, count: lwork)
        info = LAPACKE_dgesdd_work(
            LAPACK_COL_MAJOR, job, LAPACKInt(m), LAPACKInt(n), a, LAPACKInt(lda), s,
            u, LAPACKInt(ldu), vt, LAPACKInt(ldvt), &work, LAPACKInt(lwork), &iwork)
        return checkArguments("dgesdd", info)
    }

    public static func _geqrf(
        m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int, tau: UnsafeMutablePointer<Double>
    ) -> Int {
        checkArguments("dgeqrf", LAPACKE_dgeqrf(LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), a, LAPACKInt(lda), tau))
    }

    public static func _orgqr(
        m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Double>, lda: Int, tau: UnsafePointer<Double>
    ) -> Int {
        checkArguments("dorgqr", LAPACKE_dorgqr(LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(k), a, LAPACKInt(lda), tau))
    }

    public static func _geqrt(
        m: Int, n: Int, nb: Int, a: UnsafeMutablePointer<Double>, lda: Int, t: UnsafeMutablePointer<Double>, ldt: Int
    ) -> Int {
        var work = [Double](repeating: 0, count: max(1, nb * n))
        return checkArguments("dgeqrt", LAPACKE_dgeqrt_work(
            LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(nb), a, LAPACKInt(lda), t, LAPACKInt(ldt), &work))
    }

    public static func _tpqrt(
        m: Int, n: Int, l: Int, nb: Int, a: UnsafeMutablePointer<Double>, lda: Int,
        b: UnsafeMutablePointer<Double>, ldb: Int, t: UnsafeMutablePointer<Double>, ldt: Int
    ) -> Int {
        var work = [Double](repeating: 0, count: max(1, nb * n))
        return checkArguments("dtpqrt", LAPACKE_dtpqrt_work(
            LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(l), LAPACKInt(nb), a, LAPACKInt(lda),
            b, LAPACKInt(ldb), t, LAPACKInt(ldt), &work))
    }

    /// Every eigenvalue (ascending, into `w`) and, with `jobz` 'V', every eigenvector
    /// (columns of `a`, overwriting it) of the symmetric column-major n×n matrix whose
    /// upper triangle `a` holds: LAPACK's divide-and-conquer `dsyevd`.
    public static func _syevdUpper(
        jobz: UInt8, n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>
    ) -> Int {
        let job = CChar(bitPattern: jobz)
        let upper = CChar(bitPattern: UInt8(ascii: "U"))
        var query: Double = 0
        var iquery: LAPACKInt = 0
        var info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, job, upper, LAPACKInt(n), a, LAPACKInt(lda), w,
                                       &query, -1, &iquery, -1)
        _ = checkArguments("dsyevd", info)
        var work = [Double](repeating: 0, count: max(1, Int(query)))
        var iwork = [LAPACKInt](repeating: 0, count: max(1, Int(iquery)))
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, job, upper, LAPACKInt(n), a, LAPACKInt(lda), w,
                                   &work, LAPACKInt(work.count), &iwork, LAPACKInt(iwork.count))
        return checkArguments("dsyevd", info)
    }
}
