/// The unnormalised Walsh–Hadamard transform in natural (Sylvester) order,
/// `y = H·x` with `H[a][b] = (−1)^popcount(a & b)` (the matrix of
/// `scipy.linalg.hadamard`), in place, for lengths that are powers of two.
///
/// Normalisation: none, so `H·H = n·I`; divide by √n for the orthonormal
/// transform. FFTW's transforms are likewise unnormalised.
///
/// Two implementations compute the same transform:
/// - ``Implementation/native``: a cache-blocked SIMD kernel in Swift (the
///   default, and the faster: see `BENCHMARKS.md`);
/// - ``Implementation/fftw``: FFTW's rank-k real-to-real plan of k size-2
///   `FFTW_R2HC` dimensions (exact, one pass per dimension).
///
/// Both are exact in the sense of performing the same n·log₂n additions and
/// subtractions, in different orders, so results agree to rounding
/// (≤ log₂n ulps of the largest partial sum). NaN and infinity propagate.
/// Thread-safe: concurrent calls on different buffers are fine.
public enum WalshHadamard {
    /// Which kernel computes the transform.
    public enum Implementation: String, CaseIterable, Sendable, Codable {
        /// The cache-blocked SIMD kernel written in Swift (the default; fastest in release builds).
        case native
        /// FFTW's rank-k plan of size-2 `FFTW_R2HC` transforms (the C library's speed in any build).
        case fftw
    }

    /// Transforms `x` in place.
    ///
    /// - Precondition: `x.count` is a power of two (1 is allowed: H = [1]).
    /// - Parameter threads: threads the native kernel may use (results are
    ///   identical for any count); FFTW's plan runs on the calling thread.
    public static func transform(_ x: UnsafeMutableBufferPointer<Float>, using implementation: Implementation = .native,
                                 threads: Int = 1) {
        let k = log2Length(x.count)
        guard k > 0 else { return }
        switch implementation {
        case .native: NativeWHT.transform(x.baseAddress!, log2Length: k, vector: SIMD16<Float>.self, threads: threads)
        case .fftw: fftwWHT(x, log2Length: k)
        }
    }

    /// Transforms `x` in place.
    ///
    /// - Precondition: `x.count` is a power of two (1 is allowed: H = [1]).
    /// - Parameter threads: threads the native kernel may use (results are
    ///   identical for any count); FFTW's plan runs on the calling thread.
    public static func transform(_ x: UnsafeMutableBufferPointer<Double>, using implementation: Implementation = .native,
                                 threads: Int = 1) {
        let k = log2Length(x.count)
        guard k > 0 else { return }
        switch implementation {
        case .native: NativeWHT.transform(x.baseAddress!, log2Length: k, vector: SIMD8<Double>.self, threads: threads)
        case .fftw: fftwWHT(x, log2Length: k)
        }
    }

    /// Transforms an array in place.
    public static func transform(_ x: inout [Float], using implementation: Implementation = .native, threads: Int = 1) {
        x.withUnsafeMutableBufferPointer { transform($0, using: implementation, threads: threads) }
    }

    /// Transforms an array in place.
    public static func transform(_ x: inout [Double], using implementation: Implementation = .native, threads: Int = 1) {
        x.withUnsafeMutableBufferPointer { transform($0, using: implementation, threads: threads) }
    }

    private static func log2Length(_ n: Int) -> Int {
        precondition(n > 0 && n & (n - 1) == 0, "WalshHadamard: length \(n) is not a power of two")
        return n.trailingZeroBitCount
    }
}
