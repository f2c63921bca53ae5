/// Versions of the native libraries this build is linked against, for
/// provenance records.
public enum LibraryVersions {
    /// OpenBLAS's build configuration (`openblas_get_config`), e.g.
    /// `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"`.
    public static var openBLAS: String { openBLASConfig() }
    /// FFTW's version string (`fftw_version`), e.g. `"fftw-3.3.10-sse2-avx"`.
    public static var fftw: String { fftwVersionString() }
    /// All of the above, keyed by library name.
    public static var all: [String: String] { ["openblas": openBLAS, "fftw": fftw] }
}
