import CheckpointIO
import Foundation
import RankAnalysis
import XCTest
import _TestSupport

/// Metrics and spectra against the numpy reference computed by
/// `Tests/Fixtures/rank/make_rank_fixtures.py` from the stored values.
final class FixtureSpectraTests: XCTestCase {
    func analyse(_ variant: String, jobs: Int = 2) throws -> RankAnalysisResult {
        let base = try Checkpoint.open(Fixtures.path("rank/\(variant)_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/\(variant)_tuned.safetensors"))
        return try RankAnalyzer.run(TensorPairing(base: base, tuned: tuned), options: .init(jobs: jobs))
    }

    func testSummaryMatchesNumPy() throws {
        let expected = try Fixtures.csv("rank/expected_summary.csv")
        for variant in ["f64", "f32", "f16", "bf16"] {
            let result = try analyse(variant)
            let rows = expected.filter { $0["variant"] == variant }
            XCTAssertEqual(result.matrices.map(\.tensor), rows.map { $0["tensor"]! }.sorted(), variant)
            for row in rows {
                let label = "\(variant) \(row["tensor"]!)"
                let r = try XCTUnwrap(result.matrices.first { $0.tensor == row["tensor"] }, label)
                let m = r.metrics
                XCTAssertEqual(r.rows, Int(row["rows"]!)!, label)
                XCTAssertEqual(r.cols, Int(row["cols"]!)!, label)
                XCTAssertEqual(r.dtype, row["dtype"], label)
                for (name, value) in [("fro_norm", m.frobeniusNorm), ("spectral_norm", m.spectralNorm),
                                      ("nuclear_norm", m.nuclearNorm), ("stable_rank", m.stableRank),
                                      ("entropy_effective_rank", m.entropyEffectiveRank), ("rel_update", m.relativeUpdate)] {
                    assertClose(value, Double(row[name]!)!, rtol: 1e-10, "\(label) \(name)")
                }
                for (name, value) in [("numerical_rank", m.numericalRank), ("energy_rank_50", m.energyRank50),
                                      ("energy_rank_90", m.energyRank90), ("energy_rank_95", m.energyRank95),
                                      ("energy_rank_99", m.energyRank99)] {
                    XCTAssertEqual(value, Int(row[name]!)!, "\(label) \(name)")
                }
                // Empty where τ lies below the float64 SVD's own rounding level:
                // the count then depends on the LAPACK build (see the fixture README).
                if let expected = Int(row["noise_rank"]!) {
                    XCTAssertEqual(m.noiseRank, expected, "\(label) noise_rank")
                } else {
                    XCTAssertEqual(variant, "f64", "\(label): only F64 noise ranks are left empty")
                }
            }
        }
    }

    func testSpectraMatchNumPy() throws {
        let expected = try Fixtures.csv("rank/expected_spectra.csv")
        for variant in ["f64", "f32", "f16", "bf16"] {
            let result = try analyse(variant)
            for r in result.matrices {
                let rows = expected.filter { $0["variant"] == variant && $0["tensor"] == r.tensor }
                XCTAssertEqual(rows.count, min(r.rows, r.cols), "\(variant) \(r.tensor)")
                let energy = r.cumulativeEnergy
                for row in rows {
                    let i = Int(row["index"]!)! - 1
                    let σ1 = r.singularValues.first ?? 0
                    // Tail values are resolved to ~1e-15·σ₁ by any backward-stable SVD.
                    assertClose(r.singularValues[i], Double(row["sigma"]!)!, rtol: 1e-9, atol: 1e-14 * σ1,
                                "\(variant) \(r.tensor) σ\(i + 1)")
                    assertClose(energy[i], Double(row["energy_cumulative"]!)!, rtol: 1e-10, atol: 1e-15,
                                "\(variant) \(r.tensor) energy \(i + 1)")
                }
            }
        }
    }

    func testVectorsMatchNumPy() throws {
        for row in try Fixtures.csv("rank/expected_vectors.csv") {
            let result = try analyse(row["variant"]!)
            let v = try XCTUnwrap(result.vectors.first { $0.tensor == row["tensor"] })
            XCTAssertEqual(v.length, Int(row["length"]!)!)
            assertClose(v.frobeniusNorm, Double(row["fro_norm"]!)!, rtol: 1e-12, "fro_norm")
            assertClose(v.relativeUpdate, Double(row["rel_update"]!)!, rtol: 1e-12, "rel_update")
        }
    }

    func testSkippedAndUnpairedTensorsAreListed() throws {
        let result = try analyse("bf16")
        let skipped = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.tensor, $0.reason) })
        XCTAssertEqual(skipped["only_in_base.weight"], "only in base")
        XCTAssertEqual(skipped["only_in_tuned.weight"], "only in tuned")
        XCTAssertTrue(skipped["position_ids"]?.contains("I64") ?? false)
    }

    /// The constructed case: W_tuned = W_base + a rank-4 update, both rounded
    /// to BF16. The numerical rank sees the rounding noise (full rank); the
    /// noise rank recovers the true rank.
    func testNoiseRankRecoversConstructedRankUnderBF16Rounding() throws {
        let expected = try XCTUnwrap(Fixtures.json("rank/noise_expected.json") as? [String: Any])
        let base = try Checkpoint.open(Fixtures.path("rank/noise_bf16_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/noise_bf16_tuned.safetensors"))
        let pair = try XCTUnwrap(TensorPairing(base: base, tuned: tuned).matrices.first)
        let r = try RankAnalyzer.analyse(pair)
        XCTAssertEqual(r.metrics.noiseRank, expected["true_rank"] as? Int)
        XCTAssertEqual(r.metrics.numericalRank, expected["numerical_rank"] as? Int)
        XCTAssertEqual(r.metrics.numericalRank, 192, "rounding noise makes ΔW numerically full rank")
        assertClose(r.metrics.noiseThreshold, try XCTUnwrap(expected["tau"] as? Double), rtol: 1e-12, "τ")
        assertClose(r.singularValues[4], try XCTUnwrap(expected["sigma_5"] as? Double), rtol: 1e-9, "σ₅")
    }

    // Bit identity is sound: TensorJobs holds OpenBLAS at one thread for any `jobs`, so each
    // tensor runs the same calls whichever worker runs it.
    func testResultsDoNotDependOnJobs() throws {
        let one = try analyse("f32", jobs: 1)
        let two = try analyse("f32", jobs: 2)
        XCTAssertEqual(one.matrices.map(\.tensor), two.matrices.map(\.tensor))
        for (a, b) in zip(one.matrices, two.matrices) {
            XCTAssertEqual(a.singularValues.map(\.bitPattern), b.singularValues.map(\.bitPattern), a.tensor)
            XCTAssertEqual(a.metrics, b.metrics, a.tensor)
        }
    }

    func testLeadingVectorsReconstructRankThreeUpdate() throws {
        let base = try Checkpoint.open(Fixtures.path("rank/f64_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/f64_tuned.safetensors"))
        let pairing = try TensorPairing(base: base, tuned: tuned)
        let pair = try XCTUnwrap(pairing.matrices.first(where: { $0.name == "layers.0.exact_rank3.weight" }))
        let r = try RankAnalyzer.analyse(pair, leadingVectors: 3)
        let v = try XCTUnwrap(r.leadingVectors)
        XCTAssertEqual(v.u.shape, [64, 3])
        XCTAssertEqual(v.vt.shape, [3, 48])
        let approx = try v.reconstructed()
        let delta = try pair.update()
        for (x, y) in zip(approx.storage, delta.storage) { assertClose(x, y, atol: 1e-15, "rank-3 reconstruction") }
    }
}
