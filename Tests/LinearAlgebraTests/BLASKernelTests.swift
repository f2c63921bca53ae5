import LinearAlgebra
import XCTest

/// The kernel choice as a pure function of `/proc/cpuinfo`, the corename
/// OpenBLAS reports and the environment. The cpuinfo texts below are literal
/// excerpts of the kind Linux prints on those machines (two processor blocks
/// each, the flags line as the kernel writes it).
final class BLASKernelTests: XCTestCase {
    // MARK: - Fixtures

    /// One processor's block of a cpuinfo text.
    private static func block(_ i: Int, vendor: String, family: Int, model: Int, name: String, flags: String) -> String {
        """
        processor\t: \(i)
        vendor_id\t: \(vendor)
        cpu family\t: \(family)
        model\t\t: \(model)
        model name\t: \(name)
        stepping\t: 2
        cpu MHz\t\t: 2100.000
        flags\t\t: \(flags)
        bogomips\t: 4200.00
        address sizes\t: 46 bits physical, 57 bits virtual


        """
    }

    /// A cpuinfo text of two identical processors.
    private static func cpuinfo(vendor: String, family: Int, model: Int, name: String, flags: String) -> String {
        (0..<2).map { block($0, vendor: vendor, family: family, model: model, name: name, flags: flags) }.joined()
    }

    /// An Intel Xeon cloud VM (Emerald Rapids, family 6 model 207) that OpenBLAS 0.3.21 does not know.
    static let xeonAVX512 = cpuinfo(
        vendor: "GenuineIntel", family: 6, model: 207, name: "INTEL(R) XEON(R) PLATINUM 8581C",
        flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch cpuid_fault ssbd ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx_vnni avx512_bf16 wbnoinvd arat avx512vbmi umip pku ospke waitpkg avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid cldemote movdiri movdir64b md_clear serialize tsxldtrk amx_bf16 avx512_fp16 amx_tile amx_int8 arch_capabilities")

    /// A Haswell-class Xeon (AVX2 and FMA, no AVX-512).
    static let xeonHaswell = cpuinfo(
        vendor: "GenuineIntel", family: 6, model: 63, name: "Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz",
        flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx rdtscp lm constant_tsc rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm cpuid_fault invpcid_single pti fsgsbase bmi1 avx2 smep bmi2 erms invpcid xsaveopt")

    /// A Sandy Bridge Xeon (AVX only).
    static let xeonSandyBridge = cpuinfo(
        vendor: "GenuineIntel", family: 6, model: 45, name: "Intel(R) Xeon(R) CPU E5-2670 0 @ 2.60GHz",
        flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 cx16 pcid sse4_1 sse4_2 x2apic popcnt tsc_deadline_timer aes xsave avx hypervisor lahf_lm pti fsgsbase tsc_adjust xsaveopt")

    /// An AMD EPYC Zen 2, which OpenBLAS 0.3.21 knows (it reports `Zen`).
    static let epycZen2 = cpuinfo(
        vendor: "AuthenticAMD", family: 23, model: 49, name: "AMD EPYC 7B12",
        flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext ssbd ibrs ibpb stibp vmmcall fsgsbase tsc_adjust bmi1 avx2 smep bmi2 rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 clzero xsaveerptr arat npt nrip_save umip rdpid")

    /// The kernels Debian's OpenBLAS 0.3.21 exports tables for (`nm -D`: gotoblas_SKYLAKEX, _ZEN, _HASWELL, _SANDYBRIDGE).
    static let all: Set<String> = ["SkylakeX", "Zen", "Haswell", "Sandybridge"]

    private func decide(_ cpuinfo: String, corename: String = "Prescott", _ environment: [String: String] = [:],
                        available: Set<String> = BLASKernelTests.all) -> BLASKernel.Decision {
        BLASKernel.decide(corename: corename, environment: environment, features: CPUFeatures(cpuinfo: cpuinfo),
                          available: available)
    }

    // MARK: - Parsing

    func testParsesVendorModelAndFlags() {
        let f = CPUFeatures(cpuinfo: Self.xeonAVX512)
        XCTAssertEqual(f.vendor, "GenuineIntel")
        XCTAssertEqual(f.modelName, "INTEL(R) XEON(R) PLATINUM 8581C")
        XCTAssert(f.has(["avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "amx_tile"]))
        XCTAssertFalse(f.flags.contains("flags"))
        XCTAssertFalse(f.isAMD)
        XCTAssert(CPUFeatures(cpuinfo: Self.epycZen2).isAMD)
    }

    func testFlagsAreThoseEveryProcessorLists() {
        // Two processors that differ (the second without AVX-512): only the common features count.
        let avx512Flags = CPUFeatures(cpuinfo: Self.xeonAVX512).flags.sorted().joined(separator: " ")
        let haswellFlags = CPUFeatures(cpuinfo: Self.xeonHaswell).flags.sorted().joined(separator: " ")
        let mixed = Self.block(0, vendor: "GenuineIntel", family: 6, model: 207, name: "P", flags: avx512Flags)
            + Self.block(1, vendor: "GenuineIntel", family: 6, model: 207, name: "E", flags: haswellFlags)
        let f = CPUFeatures(cpuinfo: mixed)
        XCTAssertEqual(f.modelName, "P", "the first block's model name")
        XCTAssert(f.has(["avx2", "fma"]))
        XCTAssertFalse(f.flags.contains("avx512f"), "a flag one processor lacks is not common")
        XCTAssertEqual(decide(mixed).switchTo, "Haswell")
    }

    func testNoFlagsLineMeansUnknownFeatures() {
        let arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\nCPU implementer\t: 0x41\n"
        XCTAssertTrue(CPUFeatures(cpuinfo: arm).flags.isEmpty)
        let d = decide(arm)
        XCTAssertNil(d.switchTo)
        XCTAssert(d.reason.contains("unknown"), d.reason)
        XCTAssertNil(BLASKernel.decide(corename: "Prescott", environment: [:], features: nil, available: Self.all).switchTo)
    }

    // MARK: - The decision

    func testXeonWithAVX512OnGenericKernelSwitchesToSkylakeX() {
        let d = decide(Self.xeonAVX512)
        XCTAssertEqual(d.switchTo, "SkylakeX", d.description)
        XCTAssertEqual(d.preferred, "SkylakeX")
        XCTAssertNil(d.invalidSetting)
        XCTAssert(d.reason.contains("Prescott") && d.reason.contains("AVX-512"), d.reason)
    }

    func testWithoutSkylakeXInThisOpenBLASTheXeonGetsHaswell() {
        XCTAssertEqual(decide(Self.xeonAVX512, available: ["Haswell", "Sandybridge", "Zen"]).switchTo, "Haswell")
        XCTAssertNil(decide(Self.xeonAVX512, available: []).switchTo, "a library built for one CPU has nothing to switch to")
    }

    func testAVX512WithoutOneOfItsSubsetsIsNotSkylakeX() {
        // AVX-512 F without VL (an OS or hypervisor that masks part of it): not enough for -march=skylake-avx512.
        let partial = Self.xeonAVX512.replacingOccurrences(of: " avx512vl ", with: " ")
        XCTAssertFalse(CPUFeatures(cpuinfo: partial).flags.contains("avx512vl"))
        XCTAssertEqual(decide(partial).switchTo, "Haswell")
    }

    func testHaswellClassXeonSwitchesToHaswell() {
        XCTAssertEqual(decide(Self.xeonHaswell).switchTo, "Haswell")
    }

    func testAVXOnlyXeonSwitchesToSandybridge() {
        XCTAssertEqual(decide(Self.xeonSandyBridge).switchTo, "Sandybridge")
        XCTAssertNil(decide(Self.xeonSandyBridge, available: ["SkylakeX", "Haswell", "Zen"]).switchTo)
    }

    func testRecognisedCPUsAreLeftAlone() {
        // OpenBLAS knows Zen 2 and reports Zen: nothing to do.
        let zen = decide(Self.epycZen2, corename: "Zen")
        XCTAssertNil(zen.switchTo)
        XCTAssert(zen.reason.contains("recognised"), zen.reason)
        XCTAssertEqual(zen.preferred, "Zen")
        // Neither a Haswell kernel on an AVX-512 machine nor any named core is "generic".
        XCTAssertNil(decide(Self.xeonAVX512, corename: "Haswell").switchTo)
        XCTAssertNil(decide(Self.xeonAVX512, corename: "Cooperlake").switchTo)
        XCTAssertNil(decide(Self.xeonHaswell, corename: "Core2").switchTo)
        XCTAssertEqual(BLASKernel.genericCorenames, ["Prescott"])
    }

    func testAMDCPUOnGenericKernelGetsZen() {
        // An AMD CPU this OpenBLAS did not recognise: its own AVX2 kernel, not Haswell.
        XCTAssertEqual(decide(Self.epycZen2).switchTo, "Zen")
        XCTAssertEqual(decide(Self.epycZen2, available: ["Haswell"]).switchTo, "Haswell")
    }

    func testExplicitCoreTypeAlwaysWins() {
        for value in ["Prescott", "Haswell", ""] {
            let d = decide(Self.xeonAVX512, [BLASKernel.coreTypeVariable: value])
            XCTAssertNil(d.switchTo, "OPENBLAS_CORETYPE='\(value)'")
            XCTAssert(d.reason.contains("explicit"), d.reason)
            XCTAssertEqual(d.preferred, "SkylakeX", "the preference is still reported")
        }
    }

    func testOptOutKeepsTheKernel() {
        for value in ["off", "OFF", "Off"] {
            let d = decide(Self.xeonAVX512, [BLASKernel.choiceVariable: value])
            XCTAssertNil(d.switchTo, value)
            XCTAssertNil(d.invalidSetting, value)
        }
        for value in ["auto", "AUTO", ""] {
            XCTAssertEqual(decide(Self.xeonAVX512, [BLASKernel.choiceVariable: value]).switchTo, "SkylakeX", "'\(value)'")
        }
    }

    func testInvalidOptOutValueIsReported() {
        for value in ["no", "0", "Haswell", " off"] {
            let d = decide(Self.xeonAVX512, [BLASKernel.choiceVariable: value])
            XCTAssertNil(d.switchTo, value)
            XCTAssertEqual(d.invalidSetting, value)
        }
        // Refused even when the user also forced a kernel.
        XCTAssertEqual(decide(Self.xeonAVX512, [BLASKernel.choiceVariable: "yes", BLASKernel.coreTypeVariable: "Haswell"]).invalidSetting, "yes")
    }

    func testMarkerStopsASecondReexecution() {
        // Whatever the kernel that loaded, a process started by the re-execution never re-executes.
        let d = decide(Self.xeonAVX512, [BLASKernel.chosenMarkerVariable: "SkylakeX"])
        XCTAssertNil(d.switchTo)
        XCTAssert(d.reason.contains("already"), d.reason)
    }

    // MARK: - Origin

    func testOriginFromEnvironment() {
        XCTAssertEqual(BLASKernel.origin(environment: [:]), .detected)
        XCTAssertEqual(BLASKernel.origin(environment: ["OPENBLAS_CORETYPE": "Prescott"]), .user)
        XCTAssertEqual(BLASKernel.origin(environment: ["OPENBLAS_CORETYPE": "SkylakeX",
                                                       "INTRINSIC_DIM_BLAS_KERNEL_CHOSEN": "SkylakeX"]), .chosen)
        // The user changed OPENBLAS_CORETYPE in a child of a re-executed process: theirs.
        XCTAssertEqual(BLASKernel.origin(environment: ["OPENBLAS_CORETYPE": "Haswell",
                                                       "INTRINSIC_DIM_BLAS_KERNEL_CHOSEN": "SkylakeX"]), .user)
        XCTAssertEqual(BLASKernel.origin(environment: ["INTRINSIC_DIM_BLAS_KERNEL_CHOSEN": "SkylakeX"]), .detected)
    }

    // MARK: - This process's OpenBLAS

    func testCurrentKernelIsReportedByOpenBLAS() throws {
        let k = BLASKernel.current
        XCTAssertFalse(k.corename.isEmpty)
        XCTAssert(k.config.hasPrefix("OpenBLAS "), k.config)
        XCTAssertEqual(k.requested, ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
        guard k.config.split(separator: " ").contains("DYNAMIC_ARCH") else {
            throw XCTSkip("not a DYNAMIC_ARCH OpenBLAS: \(k.config)")
        }
        // A DYNAMIC_ARCH build names the kernel in use in its configuration string.
        XCTAssert(k.config.split(separator: " ").contains(Substring(k.corename)), "\(k.corename) not in \(k.config)")
        if k.config.hasPrefix("OpenBLAS 0.3.21 ") {
            // Debian's 0.3.21 exports filled-in tables for all four (and empty ones for Katmai & co.).
            XCTAssertEqual(BLASKernel.availableKernels, Self.all)
        }
        XCTAssert(BLASKernel.availableKernels.isSubset(of: BLASKernel.candidateNames))
    }
}
