import ArgumentParser
import Foundation
import IntrinsicDim

/// `doctor`: what this installation runs on (tool, OpenBLAS and its kernel,
/// the CPU's features, FFTW), one `key: value` line each on stdout.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tool version, the OpenBLAS kernel in use and why, the CPU's features and FFTW's version.",
        discussion: """
            OpenBLAS picks its kernel when it loads. When it falls back to its generic Prescott kernel on a CPU \
            that has a better one, intrinsic-dim sets OPENBLAS_CORETYPE to that kernel and starts itself again \
            once. An OPENBLAS_CORETYPE you set always wins; INTRINSIC_DIM_BLAS_KERNEL=off turns the choice off. \
            Every run records the kernel in its provenance (blas_kernel).
            """)

    func run() throws {
        let kernel = BLASKernel.current
        let features = CPUFeatures.current()
        let available = BLASKernel.availableKernels
        var lines: [(String, String)] = [
            ("tool", "\(ToolInfo.name) \(ToolInfo.version)"),
            ("openblas config", kernel.config),
            ("openblas kernel", "\(kernel.corename) (\(kernel.origin))"),
            ("OPENBLAS_CORETYPE", kernel.requested.map { "'\($0)'" } ?? "not set"),
            (BLASKernel.choiceVariable, ProcessInfo.processInfo.environment[BLASKernel.choiceVariable].map { "'\($0)'" } ?? "not set (auto)"),
        ]
        if let requested = kernel.requested, requested.lowercased() != kernel.corename.lowercased() {
            lines.append(("warning", "OpenBLAS loaded \(kernel.corename), not the '\(requested)' asked for (a name it does not know?)"))
        }
        lines.append(("kernels to choose from", BLASKernel.candidateNames.filter(available.contains).joined(separator: " ")))
        if let features {
            lines.append(("cpu", "\(features.modelName) (\(features.vendor))"))
            let relevant = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"]
            lines.append(("cpu features", relevant.filter(features.flags.contains).joined(separator: " ")))
        } else {
            lines.append(("cpu", "unknown (/proc/cpuinfo unreadable)"))
        }
        let preferred = features.flatMap { BLASKernel.preferredKernel(for: $0, available: available) }
        lines.append(("preferred kernel", preferred ?? "none of \(BLASKernel.candidateNames.joined(separator: ", "))"))
        lines.append(("decision", Self.why(kernel, features: features, available: available)))
        lines.append(("fftw", LibraryVersions.fftw))
        lines.append(("processors", String(ProcessInfo.processInfo.activeProcessorCount)))
        let width = lines.map(\.0.count).max() ?? 0
        for (key, value) in lines {
            print(key + ":" + String(repeating: " ", count: width - key.count + 1) + value)
        }
    }

    /// Why the kernel in use is the one in use, in one line.
    static func why(_ kernel: BLASKernel, features: CPUFeatures?, available: Set<String>) -> String {
        switch kernel.origin {
        case .chosen:
            // The decision the first start took, before the re-execution set the variables.
            var before = ProcessInfo.processInfo.environment
            before[BLASKernel.coreTypeVariable] = nil
            before[BLASKernel.chosenMarkerVariable] = nil
            let first = BLASKernel.decide(corename: BLASKernel.genericCorenames.sorted()[0], environment: before,
                                          features: features, available: available)
            return "switched to \(kernel.corename) at start-up (re-executed once): \(first.reason)"
        case .user, .detected:
            return KernelCheck.decision.description
        }
    }
}
