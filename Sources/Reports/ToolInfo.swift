import LinearAlgebra

/// The toolkit's identity, for provenance records.
public enum ToolInfo {
    /// The toolkit's name.
    public static let name = "intrinsic-dim"
    /// The toolkit's version (semantic versioning).
    public static let version = "0.1.0"
    /// Versions of the linked native libraries (OpenBLAS, FFTW).
    public static var libraries: [String: String] { LibraryVersions.all }
    /// The OpenBLAS kernel this process runs on and who chose it.
    public static var blasKernel: BLASKernel { BLASKernel.current }
}
