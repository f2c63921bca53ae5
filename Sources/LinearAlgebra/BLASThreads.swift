/// The size of OpenBLAS's own thread pool, which every BLAS/LAPACK call in
/// this process shares.
///
/// Code that runs several LAPACK calls concurrently on its own threads (as
/// the rank analysis does, one tensor per core) sets this to 1 so the two
/// levels of parallelism do not oversubscribe the cores.
public enum BLASThreads {
    /// The current pool size (`openblas_get_num_threads`).
    public static var count: Int { openBLASThreads() }

    /// Sets the pool size (`openblas_set_num_threads`); values below 1 mean 1.
    public static func set(_ n: Int) { openBLASSetThreads(max(1, n)) }

    /// Stops OpenBLAS's idle pool threads, which otherwise spin for about
    /// 0.1 s of CPU after the library loads and after every threaded call.
    /// For code that has just set the pool to 1 thread and runs its own
    /// threads, which would share the cores with the spinning ones. A later
    /// threaded BLAS call restarts the pool. Does nothing with a BLAS that has
    /// no such pool.
    ///
    /// - Precondition: no BLAS or LAPACK call is running on any thread.
    public static func releaseIdlePool() { openBLASReleasePool() }
}
