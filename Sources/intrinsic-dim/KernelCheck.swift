#if canImport(Glibc)
import Glibc
#endif
import Foundation
import IntrinsicDim

/// The first thing `intrinsic-dim` does: when OpenBLAS has fallen back to its
/// generic kernel on a CPU that has a better one (``BLASKernel/decision()``),
/// it sets `OPENBLAS_CORETYPE` and ``BLASKernel/chosenMarkerVariable`` to
/// that kernel and re-executes itself once (`execv` of `/proc/self/exe` with
/// the same arguments), since OpenBLAS reads the variable only when it loads.
/// `exec` keeps the process id, the open files (stdin, stdout, stderr) and
/// the signal dispositions, so callers see one process with its own exit
/// status. If `exec` fails, the command runs on the current kernel after a
/// warning.
enum KernelCheck {
    /// Debug builds only, for tests: with `INTRINSIC_DIM_TEST_KERNEL_AS_DETECTED=1`
    /// the check treats a kernel forced by `OPENBLAS_CORETYPE` as if OpenBLAS
    /// had detected it, so that `OPENBLAS_CORETYPE=Prescott` reproduces, on
    /// any machine, a CPU that OpenBLAS does not recognise. Removed from the
    /// environment before the re-execution.
    static let testAsDetectedVariable = "INTRINSIC_DIM_TEST_KERNEL_AS_DETECTED"

    /// The decision taken at start-up (computed once, on first use).
    static let decision: BLASKernel.Decision = {
        var environment = ProcessInfo.processInfo.environment
        #if DEBUG
        if environment[testAsDetectedVariable] == "1" { environment[BLASKernel.coreTypeVariable] = nil }
        #endif
        return BLASKernel.decide(corename: BLASKernel.current.corename, environment: environment,
                                 features: CPUFeatures.current(), available: BLASKernel.availableKernels)
    }()

    /// Applies ``decision``: refuses an invalid `INTRINSIC_DIM_BLAS_KERNEL`
    /// (one stderr line, exit 1), re-executes the process on the chosen
    /// kernel, or returns to run the command on the current one.
    static func apply() {
        let d = decision
        if let bad = d.invalidSetting {
            Terminal.line("intrinsic-dim: error: \(BLASKernel.choiceVariable) is '\(bad)'; expected 'auto' (the default) or 'off'")
            exit(1)
        }
        guard let kernel = d.switchTo else { return }
        let names: [String] = [BLASKernel.coreTypeVariable, BLASKernel.chosenMarkerVariable, testAsDetectedVariable]
        let saved = names.map { ($0, getenv($0).map { String(cString: $0) }) }
        setenv(BLASKernel.coreTypeVariable, kernel, 1)
        setenv(BLASKernel.chosenMarkerVariable, kernel, 1)
        unsetenv(testAsDetectedVariable)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: put the environment back and go on.
        let reason = String(cString: strerror(errno))
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        Terminal.warning("could not re-execute with \(BLASKernel.coreTypeVariable)=\(kernel) (\(reason)); "
                         + "running on OpenBLAS's \(BLASKernel.current.corename) kernel")
    }
}
