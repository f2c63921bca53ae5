import Foundation

extension BLASKernel {
    // The kernels a switch may go to, best first, each with the
    // `/proc/cpuinfo` flags it needs. OpenBLAS compiles `SkylakeX` for
    // `-march=skylake-avx512` (AVX-512 F, CD, BW, DQ, VL besides AVX2 and
    // FMA), `Haswell` and `Zen` for AVX2 + FMA, `Sandybridge` for AVX. `Zen`
    // (the same AVX2 kernels with AMD's blocking) is offered on AMD and Hygon
    // CPUs only, `Haswell` on the others. `Cooperlake` and `SapphireRapids`
    // differ from `SkylakeX` only in bfloat16 routines this package does not
    // call, so they are never chosen.
    internal static let candidates: [Candidate] = [
        Candidate(name: "SkylakeX", flags: ["avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"],
                  amdOnly: false, summary: "AVX-512 (F, CD, BW, DQ, VL), AVX2 and FMA"),
        Candidate(name: "Zen", flags: ["avx", "avx2", "fma"], amdOnly: true, summary: "AVX2 and FMA on an AMD CPU"),
        Candidate(name: "Haswell", flags: ["avx", "avx2", "fma"], amdOnly: false, summary: "AVX2 and FMA"),
        Candidate(name: "Sandybridge", flags: ["avx"], amdOnly: false, summary: "AVX"),
    ]

    internal struct Candidate: Sendable {
        let name: String
        /// The `/proc/cpuinfo` flags its code needs.
        let flags: [String]
        /// Offered on AMD and Hygon CPUs only.
        let amdOnly: Bool
        /// The features, in words.
        let summary: String
    }

    /// The corenames a switch may go to, best first: `SkylakeX`, `Zen`, `Haswell`, `Sandybridge`.
    public static var candidateNames: [String] { candidates.map(\.name) }

    /// The best kernel in `available` whose features `features` has; nil when none.
    ///
    /// In order: `SkylakeX` (flags `avx512f avx512cd avx512bw avx512dq
    /// avx512vl` besides `avx avx2 fma`: OpenBLAS compiles it for
    /// `-march=skylake-avx512`), `Zen` (`avx avx2 fma`, AMD and Hygon CPUs
    /// only), `Haswell` (`avx avx2 fma`), `Sandybridge` (`avx`). `Cooperlake`
    /// and `SapphireRapids` differ from `SkylakeX` only in bfloat16 routines
    /// this package does not call, so they are never chosen.
    ///
    /// - Parameters:
    ///   - features: the CPU's features (``CPUFeatures/init(cpuinfo:)``).
    ///   - available: the corenames this OpenBLAS has (``availableKernels``).
    public static func preferredKernel(for features: CPUFeatures, available: Set<String>) -> String? {
        candidates.first { c in
            available.contains(c.name) && (!c.amdOnly || features.isAMD) && features.has(c.flags)
        }?.name
    }

    /// Whether a program started with `environment` on the kernel `corename`
    /// should switch kernels, as a pure function of its inputs. In order:
    ///
    /// 1. `INTRINSIC_DIM_BLAS_KERNEL` neither unset, empty, `auto` nor `off`
    ///    (any case): keep, with ``Decision/invalidSetting`` set.
    /// 2. `INTRINSIC_DIM_BLAS_KERNEL=off`: keep.
    /// 3. ``chosenMarkerVariable`` set (the program has already re-executed
    ///    itself once): keep.
    /// 4. `OPENBLAS_CORETYPE` set (even empty): keep; an explicit setting always wins.
    /// 5. `corename` not in ``genericCorenames`` (OpenBLAS recognised the CPU): keep.
    /// 6. No CPU flags known, or no better kernel in `available` for them: keep.
    /// 7. Otherwise switch to ``preferredKernel(for:available:)``.
    ///
    /// - Parameters:
    ///   - corename: the kernel in use (`openblas_get_corename()`).
    ///   - environment: the process environment (only the three variables above are read).
    ///   - features: the CPU's features, nil when unknown.
    ///   - available: the corenames this OpenBLAS has (``availableKernels``).
    public static func decide(corename: String, environment: [String: String], features: CPUFeatures?,
                              available: Set<String>) -> Decision {
        let preferred = features.flatMap { preferredKernel(for: $0, available: available) }
        func keep(_ reason: String, invalid: String? = nil) -> Decision {
            Decision(switchTo: nil, preferred: preferred, reason: reason, invalidSetting: invalid)
        }
        let setting = environment[choiceVariable] ?? ""
        switch setting.lowercased() {
        case "", "auto": break
        case "off": return keep("\(choiceVariable)=off: the kernel is left as it is")
        default: return keep("\(choiceVariable) is '\(setting)', expected 'auto' or 'off'", invalid: setting)
        }
        if let marker = environment[chosenMarkerVariable] {
            return keep("already re-executed once with \(coreTypeVariable)=\(marker) (\(chosenMarkerVariable) is set)")
        }
        if let requested = environment[coreTypeVariable] {
            return keep("\(coreTypeVariable)='\(requested)' is set; an explicit setting always wins")
        }
        guard genericCorenames.contains(corename) else {
            return keep("OpenBLAS recognised this CPU and chose \(corename)")
        }
        guard let features, !features.flags.isEmpty else {
            return keep("OpenBLAS uses its generic \(corename) kernel, but the CPU's features are unknown (no flags in /proc/cpuinfo)")
        }
        guard let preferred else {
            return keep("OpenBLAS uses its generic \(corename) kernel and has no better one for this CPU's features")
        }
        let summary = candidates.first { $0.name == preferred }?.summary ?? preferred
        return Decision(switchTo: preferred, preferred: preferred,
                        reason: "OpenBLAS fell back to its generic \(corename) kernel; the CPU has \(summary), so \(preferred)")
    }

    /// The corenames among ``candidateNames`` that this OpenBLAS can switch to: a
    /// `DYNAMIC_ARCH` build (its config says so) that exports a filled-in
    /// kernel table `gotoblas_<NAME>` for the name (a build without, say,
    /// AVX-512 support has no `gotoblas_SKYLAKEX`, or an empty one). Empty for
    /// a library built for one CPU, which ignores `OPENBLAS_CORETYPE`.
    public static var availableKernels: Set<String> {
        guard openBLASConfig().split(separator: " ").contains("DYNAMIC_ARCH") else { return [] }
        return Set(candidates.map(\.name).filter { openBLASHasKernelTable($0.uppercased()) })
    }

    /// ``decide(corename:environment:features:available:)`` for this process:
    /// its kernel, environment, `/proc/cpuinfo` and OpenBLAS.
    public static func decision() -> Decision {
        decide(corename: openBLASCorename(), environment: ProcessInfo.processInfo.environment,
               features: CPUFeatures.current(), available: availableKernels)
    }
}
