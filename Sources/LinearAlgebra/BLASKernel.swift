import Foundation

/// The OpenBLAS kernel ("core type") this process runs on, and who chose it.
///
/// A `DYNAMIC_ARCH` OpenBLAS (Debian's) picks one set of kernels for the
/// whole process when the library loads, before any Swift code runs: from
/// CPUID, or from the environment variable `OPENBLAS_CORETYPE` when that is
/// set (read at load time only). OpenBLAS 0.3.21 does not know some newer
/// CPUs (recent Intel Xeon cloud VMs among them) and then falls back to its
/// generic SSE3 kernel `Prescott`, about half as fast as the CPU's own
/// (see BENCHMARKS.md). Every BLAS/LAPACK result in this package comes from
/// the kernel in use; different kernels round differently in the last bits.
///
/// This module never changes the kernel. ``current`` reports it for logs
/// and provenance, and ``decide(corename:environment:features:available:)``
/// says which kernel a program should switch to. The `intrinsic-dim` tool acts
/// on that decision at start-up: it sets `OPENBLAS_CORETYPE` (and
/// ``chosenMarkerVariable``) and re-executes itself once. A program of your
/// own that uses this library can do the same, or its user can set the
/// variable before starting it, e.g. `OPENBLAS_CORETYPE=SkylakeX ./my-tool`
/// (`Haswell` for AVX2 + FMA, `Sandybridge` for AVX only).
public struct BLASKernel: Sendable, Hashable, Codable {
    /// The kernel in use, `openblas_get_corename()`, e.g. `"Haswell"`, `"SkylakeX"`, `"Prescott"`.
    public var corename: String
    /// OpenBLAS's build configuration, `openblas_get_config()`, e.g.
    /// `"OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"`.
    public var config: String
    /// Who chose the kernel.
    public var origin: Origin
    /// The value of `OPENBLAS_CORETYPE` the process started with, nil when it
    /// was not set. For a name it does not know (or an empty value) OpenBLAS
    /// 0.3.21 loads the kernel it detects, and ``corename`` then differs from it.
    public var requested: String?

    /// A record with the given fields.
    public init(corename: String, config: String, origin: Origin, requested: String?) {
        self.corename = corename
        self.config = config
        self.origin = origin
        self.requested = requested
    }

    /// The kernel of this process: OpenBLAS's own report, with the origin
    /// read from the environment (``origin(environment:)``).
    public static var current: BLASKernel {
        let environment = ProcessInfo.processInfo.environment
        return BLASKernel(corename: openBLASCorename(), config: openBLASConfig(),
                          origin: origin(environment: environment), requested: environment[coreTypeVariable])
    }

    // MARK: - Environment variables

    /// `OPENBLAS_CORETYPE`: OpenBLAS's own variable forcing a kernel by name
    /// (read when the library loads). When the user sets it, it always wins.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// `INTRINSIC_DIM_BLAS_KERNEL`: `auto` (the default, also when unset or
    /// empty) lets the tool switch away from a generic kernel; `off` keeps
    /// whatever OpenBLAS chose. Any other value is a usage error
    /// (``Decision/invalidSetting``). To force a kernel, set
    /// ``coreTypeVariable`` instead.
    public static let choiceVariable = "INTRINSIC_DIM_BLAS_KERNEL"
    /// `INTRINSIC_DIM_BLAS_KERNEL_CHOSEN`: set by the tool, together with
    /// `OPENBLAS_CORETYPE`, to the kernel it chose before re-executing itself;
    /// it marks the kernel as ``Origin/chosen`` and stops a second re-execution.
    public static let chosenMarkerVariable = "INTRINSIC_DIM_BLAS_KERNEL_CHOSEN"

    /// The corenames that mean OpenBLAS did not recognise the CPU: only
    /// `Prescott`, the generic SSE3 kernel OpenBLAS 0.3.21 falls back to.
    ///
    /// Chosen conservatively. The older pre-SSE3 cores (`Katmai`,
    /// `Coppermine`, `Northwood`, `Banias`) are not built into Debian's
    /// library (forcing them loads `Prescott`, which is what it reports), and
    /// every other name (`Core2`, `Nehalem`, `Zen`, `Haswell`, …) is a CPU
    /// OpenBLAS identified itself, so it is left alone even if a later
    /// kernel might suit.
    public static let genericCorenames: Set<String> = ["Prescott"]

    /// Who chose the kernel of a process started with `environment`:
    /// ``Origin/detected`` when `OPENBLAS_CORETYPE` is unset,
    /// ``Origin/chosen`` when ``chosenMarkerVariable`` holds the same value
    /// as `OPENBLAS_CORETYPE` (the tool set both), ``Origin/user`` otherwise.
    public static func origin(environment: [String: String]) -> Origin {
        guard let requested = environment[coreTypeVariable] else { return .detected }
        return environment[chosenMarkerVariable] == requested ? .chosen : .user
    }
}
