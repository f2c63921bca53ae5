import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// The kernel check of the `intrinsic-dim` executable: `doctor`, the
/// re-execution onto a better kernel, the opt-out, and that results on the
/// chosen kernel agree with the generic kernel's.
///
/// Each child's environment is set explicitly (the variables of this process,
/// OPENBLAS_CORETYPE among them, would otherwise be inherited). A CPU that
/// OpenBLAS does not recognise is reproduced with `OPENBLAS_CORETYPE=Prescott`
/// plus the debug builds' `INTRINSIC_DIM_TEST_KERNEL_AS_DETECTED=1`, which
/// makes the tool treat the forced kernel as detected.
final class BLASKernelCommandTests: XCTestCase {
    /// The environment of a child started on the generic kernel as the user's explicit choice.
    static let userPrescott: [String: String?] = [
        "OPENBLAS_CORETYPE": "Prescott", "INTRINSIC_DIM_BLAS_KERNEL": nil,
        "INTRINSIC_DIM_BLAS_KERNEL_CHOSEN": nil, "INTRINSIC_DIM_TEST_KERNEL_AS_DETECTED": nil,
    ]
    /// As if OpenBLAS had fallen back to Prescott by itself.
    static let detectedPrescott = userPrescott.merging(["INTRINSIC_DIM_TEST_KERNEL_AS_DETECTED": "1"]) { _, b in b }

    /// The kernel the decision picks for this machine's CPU when OpenBLAS falls
    /// back to Prescott, computed here from /proc/cpuinfo and this OpenBLAS.
    private func kernelForThisCPU() throws -> String {
        let d = BLASKernel.decide(corename: "Prescott", environment: [:], features: CPUFeatures.current(),
                                  available: BLASKernel.availableKernels)
        guard let k = d.switchTo else { throw XCTSkip("no better kernel than Prescott here: \(d.reason)") }
        return k
    }

    private func describe(_ o: CommandRunner.Output) -> String {
        "status \(o.status)\n--- stderr ---\n\(o.stderr)--- stdout ---\n\(o.stdout)"
    }

    /// The `doctor` line starting with `key:`, or "".
    private func line(_ key: String, of o: CommandRunner.Output) -> String {
        o.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix(key + ":") } ?? ""
    }

    // MARK: - doctor

    func testDoctorReportsKernelSetByTheUser() throws {
        let o = try CommandRunner.run(["doctor"], environment: Self.userPrescott)
        XCTAssertEqual(o.status, 0, describe(o))
        let kernel = line("openblas kernel", of: o)
        XCTAssert(kernel.contains("Prescott") && kernel.contains("set by the user"), describe(o))
        XCTAssert(line("openblas config", of: o).contains("Prescott"), describe(o))
        XCTAssert(line("decision", of: o).contains("explicit setting always wins"), describe(o))
        XCTAssert(line("tool", of: o).contains(ToolInfo.version), describe(o))
        XCTAssert(line("fftw", of: o).contains("fftw-3"), describe(o))
        XCTAssertEqual(o.stderr, "")
    }

    func testReexecutesOntoTheChosenKernel() throws {
        let chosen = try kernelForThisCPU()
        let o = try CommandRunner.run(["doctor"], environment: Self.detectedPrescott)
        XCTAssertEqual(o.status, 0, describe(o))
        let kernel = line("openblas kernel", of: o)
        XCTAssert(kernel.contains(chosen) && kernel.contains("chosen by intrinsic-dim"), describe(o))
        XCTAssert(line("OPENBLAS_CORETYPE", of: o).contains("'\(chosen)'"), describe(o))
        XCTAssert(line("decision", of: o).contains("Prescott"), describe(o))
        XCTAssertEqual(o.stderr, "", "the re-execution prints nothing")
    }

    func testReexecutionKeepsExitStatusAndStderr() throws {
        _ = try kernelForThisCPU()
        // A usage error after the re-execution: exit 64 and the parser's message, the same as without it.
        let o = try CommandRunner.run(["rank", "--no-such-flag"], environment: Self.detectedPrescott)
        let plain = try CommandRunner.run(["rank", "--no-such-flag"], environment: Self.userPrescott)
        XCTAssertEqual(o.status, 64, describe(o))
        XCTAssertEqual(o.status, plain.status)
        XCTAssertEqual(o.stderr, plain.stderr)
        XCTAssert(o.stderr.contains("Error:"), describe(o))
        let help = try CommandRunner.run(["--version"], environment: Self.detectedPrescott)
        XCTAssertEqual(help.status, 0, describe(help))
        XCTAssertEqual(help.stdout.trimmingCharacters(in: .whitespacesAndNewlines), ToolInfo.version)
    }

    func testOptOutKeepsTheGenericKernel() throws {
        _ = try kernelForThisCPU()
        let off = Self.detectedPrescott.merging(["INTRINSIC_DIM_BLAS_KERNEL": "off"]) { _, b in b }
        let o = try CommandRunner.run(["doctor"], environment: off)
        XCTAssertEqual(o.status, 0, describe(o))
        XCTAssert(line("openblas kernel", of: o).contains("Prescott"), describe(o))
        XCTAssert(line("decision", of: o).contains("INTRINSIC_DIM_BLAS_KERNEL=off"), describe(o))
    }

    func testInvalidOptOutValueFailsWithOneLine() throws {
        let bad = Self.userPrescott.merging(["INTRINSIC_DIM_BLAS_KERNEL": "sometimes"]) { _, b in b }
        let o = try CommandRunner.run(["doctor"], environment: bad)
        XCTAssertEqual(o.status, 1, describe(o))
        XCTAssertEqual(o.stdout, "")
        let lines = o.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, describe(o))
        XCTAssert(o.stderr.contains("error:") && o.stderr.contains("INTRINSIC_DIM_BLAS_KERNEL") && o.stderr.contains("'sometimes'"),
                  describe(o))
    }

    // MARK: - Same results on either kernel

    /// `rank` of the f32 fixture pair on the generic kernel (the user's choice)
    /// and on the kernel the tool picks for this CPU agree within the bounds
    /// the rank tests use against numpy (metrics rtol 1e-9, integer columns
    /// exactly, σ rtol 1e-9 + 1e-14·σ₁); each run's provenance names its kernel
    /// and the two differ.
    func testChosenKernelAgreesWithGenericKernel() throws {
        let chosen = try kernelForThisCPU()
        let dir = try Fixtures.temporaryDirectory("kernel")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var summaries: [[String: [String: String]]] = [], spectra: [[String: Double]] = []
        var kernels: [[String: Any]] = []
        for (label, env) in [("generic", Self.userPrescott), ("chosen", Self.detectedPrescott)] {
            let out = dir + "/" + label
            let o = try CommandRunner.run(["rank", "--base", Fixtures.path("rank/f32_base.safetensors"),
                                           "--tuned", Fixtures.path("rank/f32_tuned.safetensors"), "--out", out],
                                          environment: env)
            XCTAssertEqual(o.status, 0, describe(o))
            guard o.status == 0 else { return }
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/rank_summary.json"))) as? [String: Any])
            let provenance = try XCTUnwrap(json["provenance"] as? [String: Any])
            kernels.append(try XCTUnwrap(provenance["blas_kernel"] as? [String: Any], "provenance has blas_kernel"))
            let rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/rank_summary.csv", encoding: .utf8))
            summaries.append(Dictionary(uniqueKeysWithValues: rows.map { ($0["tensor"]!, $0) }))
            var σ: [String: Double] = [:]
            for r in Fixtures.parseCSV(try String(contentsOfFile: out + "/spectra.csv", encoding: .utf8)) {
                σ[r["tensor"]! + "#" + r["index"]!] = Double(r["sigma"]!)!
            }
            spectra.append(σ)
        }
        // The kernels really differed, and each run says who chose its kernel.
        XCTAssertEqual(kernels[0]["corename"] as? String, "Prescott")
        XCTAssertEqual(kernels[0]["origin"] as? String, "user")
        XCTAssertEqual(kernels[1]["corename"] as? String, chosen)
        XCTAssertEqual(kernels[1]["origin"] as? String, "chosen")
        XCTAssertEqual(kernels[1]["requested"] as? String, chosen)
        XCTAssert((kernels[1]["config"] as? String ?? "").contains(chosen))
        XCTAssertNotEqual(kernels[0]["corename"] as? String, kernels[1]["corename"] as? String)

        XCTAssertEqual(Set(summaries[0].keys), Set(summaries[1].keys))
        XCTAssertEqual(summaries[0].count, 5, "the five matrices of the fixture")
        let integers = ["rows", "cols", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95",
                        "energy_rank_99", "noise_rank"]
        let reals = ["fro_norm", "spectral_norm", "nuclear_norm", "stable_rank", "entropy_effective_rank", "rel_update"]
        for (tensor, g) in summaries[0] {
            let c = summaries[1][tensor] ?? [:]
            for k in integers { XCTAssertEqual(c[k], g[k], "\(tensor).\(k)") }
            for k in reals {
                assertClose(Double(c[k] ?? "") ?? .nan, Double(g[k] ?? "") ?? .nan, rtol: 1e-9, "\(tensor).\(k)")
            }
        }
        XCTAssertEqual(Set(spectra[0].keys), Set(spectra[1].keys))
        for (key, g) in spectra[0] {
            let tensor = String(key.split(separator: "#")[0])
            let σ1 = spectra[0][tensor + "#0"] ?? spectra[0][tensor + "#1"] ?? g
            assertClose(spectra[1][key] ?? .nan, g, rtol: 1e-9, atol: 1e-14 * σ1, key)
        }
    }
}
