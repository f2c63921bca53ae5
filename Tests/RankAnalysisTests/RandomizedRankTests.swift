import CheckpointIO
import Foundation
import RankAnalysis
import XCTest
import _TestSupport

/// `--top-k` with the randomized SVD against the numpy reference spectra of the
/// fixtures (`Tests/Fixtures/rank/`), the beyond-K rules, reproducibility and option checks.
final class RandomizedRankTests: XCTestCase {
    func analyse(_ base: String, _ tuned: String, _ options: RankAnalysisOptions) throws -> RankAnalysisResult {
        let b = try Checkpoint.open(Fixtures.path("rank/\(base)"))
        let t = try Checkpoint.open(Fixtures.path("rank/\(tuned)"))
        return try RankAnalyzer.run(TensorPairing(base: b, tuned: t), options: options)
    }

    /// The bounds of BENCHMARKS.md ("Randomized SVD") with the defaults p = 10, q = 2:
    /// the relative error of σ̂ᵢ is at most 1e-8 where the gap ratio σ_{ℓ+1}/σᵢ ≤ 0.01
    /// (ℓ = K + p), and at most `flatBound` in a flat part of the spectrum (the rounding
    /// noise of the f32/f16/bf16 fixtures beyond their exact ranks).
    static func bound(_ exact: [Double], index i: Int, sketch l: Int) -> Double {
        let next = l < exact.count ? exact[l] : 0
        return next <= 0.01 * exact[i] ? 1e-8 : flatBound
    }
    static let flatBound = 0.1

    func testTopKMatchesNumPySpectraAndDeterminedMetrics() throws {
        let spectra = try Fixtures.csv("rank/expected_spectra.csv")
        let summary = try Fixtures.csv("rank/expected_summary.csv")
        for variant in ["f64", "f32", "f16", "bf16"] {
            for k in [1, 3, 5] {
                let result = try analyse("\(variant)_base.safetensors", "\(variant)_tuned.safetensors",
                                         .init(jobs: 2, topK: k, method: .randomized))
                for r in result.matrices {
                    let label = "\(variant) \(r.tensor) K=\(k)"
                    let exact = spectra.filter { $0["variant"] == variant && $0["tensor"] == r.tensor }
                        .map { Double($0["sigma"]!)! }
                    XCTAssertEqual(r.singularValues.count, min(k, exact.count), label)
                    XCTAssertEqual(r.method, k < min(r.rows, r.cols) ? .randomized : .exact, label)
                    for (i, s) in r.singularValues.enumerated() {
                        let bound = Self.bound(exact, index: i, sketch: k + 10)
                        assertClose(s, exact[i], rtol: bound, atol: 1e-14 * exact[0], "\(label) σ\(i + 1)")
                    }
                    let row = try XCTUnwrap(summary.first { $0["variant"] == variant && $0["tensor"] == r.tensor })
                    let m = r.metrics
                    let beyond = Set(m.beyondK.map(\.rawValue))
                    for (name, value) in [("fro_norm", m.frobeniusNorm), ("spectral_norm", m.spectralNorm),
                                          ("stable_rank", m.stableRank), ("rel_update", m.relativeUpdate),
                                          ("nuclear_norm", m.nuclearNorm), ("entropy_effective_rank", m.entropyEffectiveRank)]
                    where !beyond.contains(name) {
                        // Tail-dependent reals: within RankMetrics.tailTolerance (1e-6) plus the σ̂ error.
                        assertClose(value, Double(row[name]!)!, rtol: 1.1e-6, "\(label) \(name)")
                    }
                    for (name, value) in [("numerical_rank", m.numericalRank), ("energy_rank_50", m.energyRank50),
                                          ("energy_rank_90", m.energyRank90), ("energy_rank_95", m.energyRank95),
                                          ("energy_rank_99", m.energyRank99), ("noise_rank", m.noiseRank)]
                    where !beyond.contains(name) {
                        guard let expected = Int(row[name]!) else { continue }  // empty: roundoff-dominated (README)
                        XCTAssertEqual(value, expected, "\(label) \(name)")
                    }
                    // A metric flagged beyond K really has its answer beyond K (or needs the tail).
                    for (name, value) in [("energy_rank_50", m.energyRank50), ("energy_rank_90", m.energyRank90),
                                          ("energy_rank_95", m.energyRank95), ("energy_rank_99", m.energyRank99)]
                    where beyond.contains(name) {
                        XCTAssertGreaterThan(Int(row[name]!)!, k, "\(label) \(name) flagged")
                        XCTAssertEqual(value, k + 1, "\(label) \(name) holds the lower bound K + 1")
                    }
                }
            }
        }
    }

    func testExactRankUpdateIsRecoveredTo1e10() throws {
        // f64 exact_rank3 (σ = 0.3, 0.2, 0.1) and wide (0.25 … 0.05), K above the rank, q = 0 and 2.
        for q in [0, 2] {
            let result = try analyse("f64_base.safetensors", "f64_tuned.safetensors",
                                     .init(topK: 8, method: .randomized, sketch: .init(powerIterations: q)))
            let r3 = try XCTUnwrap(result.matrices.first { $0.tensor == "layers.0.exact_rank3.weight" })
            for (i, s) in [0.3, 0.2, 0.1].enumerated() { assertClose(r3.singularValues[i], s, rtol: 1e-10, "q=\(q) σ\(i + 1)") }
            XCTAssertLessThan(r3.singularValues[3], 1e-14)
            let wide = try XCTUnwrap(result.matrices.first { $0.tensor == "layers.1.wide.weight" })
            for (i, s) in [0.25, 0.2, 0.15, 0.1, 0.05].enumerated() {
                assertClose(wide.singularValues[i], s, rtol: 1e-10, "q=\(q) wide σ\(i + 1)")
            }
            // The tail is at rounding level: the counts, energy ranks and nuclear norm are determined.
            // (The entropy's tail bound carries a log factor over the ~√ε·‖ΔW‖_F resolution of the
            // tail energy, so it stays flagged; the f64 noise floor τ lies below that resolution.)
            XCTAssertEqual(r3.metrics.beyondK.filter { $0 != .noiseRank && $0 != .entropyEffectiveRank }, [], "q=\(q)")
            assertClose(r3.metrics.nuclearNorm, 0.6, rtol: 1e-6)
            XCTAssertEqual(r3.metrics.numericalRank, 3)
            XCTAssertEqual(r3.metrics.energyRank99, 3)
        }
    }

    // Bit identity is sound: the randomized products run in fixed row blocks on one OpenBLAS
    // thread each, so 1 and 2 jobs run the same operations.
    func testBitIdenticalForOneAndTwoJobs() throws {
        // The noise fixture is one 256×192 matrix: with one tensor the 2-job run gives the
        // randomized products two threads; the bf16 fixtures run two tensors at once.
        for (base, tuned) in [("noise_bf16_base.safetensors", "noise_bf16_tuned.safetensors"),
                              ("bf16_base.safetensors", "bf16_tuned.safetensors")] {
            let options = { (jobs: Int) in RankAnalysisOptions(jobs: jobs, leadingVectors: 2, topK: 6, method: .randomized) }
            let one = try analyse(base, tuned, options(1))
            let two = try analyse(base, tuned, options(2))
            for (a, b) in zip(one.matrices, two.matrices) {
                XCTAssertEqual(a.singularValues, b.singularValues, a.tensor)
                XCTAssertEqual(a.metrics, b.metrics, a.tensor)
                XCTAssertEqual(a.leadingVectors?.u, b.leadingVectors?.u, a.tensor)
                XCTAssertEqual(a.leadingVectors?.vt, b.leadingVectors?.vt, a.tensor)
            }
        }
    }

    func testNoiseCaseAndAutoRule() throws {
        let expected = try XCTUnwrap(Fixtures.json("rank/noise_expected.json") as? [String: Double])
        // 4·(8 + 10) ≤ 192: auto is randomized; the noise rank (4) lies within K, the numerical rank (192) beyond.
        let r = try XCTUnwrap(analyse("noise_bf16_base.safetensors", "noise_bf16_tuned.safetensors",
                                      .init(topK: 8, method: .auto)).matrices.first)
        XCTAssertEqual(r.method, .randomized)
        XCTAssertEqual(r.metrics.noiseRank, 4)
        XCTAssertFalse(r.metrics.beyondK.contains(.noiseRank))
        XCTAssertTrue(r.metrics.beyondK.contains(.numericalRank))
        XCTAssertEqual(r.metrics.numericalRank, 8, "the lower bound K")
        assertClose(r.singularValues[3], expected["sigma_4"]!, rtol: 1e-6, "σ₄")
        assertClose(r.singularValues[4], expected["sigma_5"]!, rtol: 0.05, "σ₅ (noise bulk, q = 2)")
        // 4·(40 + 10) > 192: auto is exact, and nothing is beyond K.
        let e = try XCTUnwrap(analyse("noise_bf16_base.safetensors", "noise_bf16_tuned.safetensors",
                                      .init(topK: 40, method: .auto)).matrices.first)
        XCTAssertEqual(e.method, .exact)
        XCTAssertEqual(e.singularValues.count, 40)
        XCTAssertEqual(e.metrics.beyondK, [])
        XCTAssertEqual(e.metrics.numericalRank, Int(expected["numerical_rank"]!))
    }

    func testBeyondKRulesOnAKnownSpectrum() {
        // σ = 3, 2, 1, then ten values 0.5: top 3 known, ‖·‖²_F = 9 + 4 + 1 + 10·0.25 = 16.5, tail bound √2.5 ≈ 1.58.
        let m = RankMetrics(leadingSingularValues: [3, 2, 1], frobeniusNormSquared: 16.5, rows: 20, cols: 13,
                            epsilon: 1e-3, noiseThreshold: 0.75, baseFrobeniusNorm: 10)
        XCTAssertEqual(m.energyRank50, 1)   // 9 ≥ 8.25
        XCTAssertEqual(m.energyRank90, 4)   // 14 < 14.85: beyond, the lower bound K + 1
        XCTAssertEqual(m.noiseRank, 3)      // all 3 above τ and √2.5 > τ: beyond, the lower bound K
        XCTAssertEqual(m.numericalRank, 3)
        XCTAssertEqual(m.beyondK, [.nuclearNorm, .entropyEffectiveRank, .numericalRank, .energyRank90, .energyRank95,
                                   .energyRank99, .noiseRank])
        assertClose(m.frobeniusNorm, 16.5.squareRoot(), rtol: 1e-15)
        assertClose(m.stableRank, 16.5 / 9, rtol: 1e-15)
        assertClose(m.relativeUpdate, 16.5.squareRoot() / 10, rtol: 1e-15)
        // The count crosses τ within K: determined (2).
        XCTAssertEqual(RankMetrics(leadingSingularValues: [3, 2, 1], frobeniusNormSquared: 16.5, rows: 20, cols: 13,
                                   epsilon: 1e-3, noiseThreshold: 1.6, baseFrobeniusNorm: 10).noiseRank, 2)
        // All K above τ, but the tail bound √0.25 = 0.5 ≤ τ: exactly K, determined.
        let t = RankMetrics(leadingSingularValues: [3, 2, 1], frobeniusNormSquared: 14.25, rows: 20, cols: 13,
                            epsilon: 1e-3, noiseThreshold: 0.6, baseFrobeniusNorm: 10)
        XCTAssertEqual(t.noiseRank, 3)
        XCTAssertFalse(t.beyondK.contains(.noiseRank))
        XCTAssertEqual(t.energyRank99, 4)
        XCTAssertTrue(t.beyondK.contains(.energyRank99))   // 14 < 0.99·14.25
        XCTAssertFalse(t.beyondK.contains(.energyRank95))  // 14 ≥ 0.95·14.25
        XCTAssertEqual(t.energyRank95, 3)
        // A zero tail: every metric determined, as from the full spectrum.
        let z = RankMetrics(leadingSingularValues: [3, 2, 1], frobeniusNormSquared: 14, rows: 20, cols: 13,
                            epsilon: 1e-3, noiseThreshold: 0.6, baseFrobeniusNorm: 10)
        XCTAssertEqual(z.beyondK, [])
        XCTAssertEqual(z, RankMetrics(singularValues: [3, 2, 1] + Array(repeating: 0, count: 10), rows: 20, cols: 13,
                                      epsilon: 1e-3, noiseThreshold: 0.6, baseFrobeniusNorm: 10))
    }

    func testInvalidTopKOptions() throws {
        let cases: [(RankAnalysisOptions, String)] = [
            (.init(topK: 0), "--top-k must be at least 1"),
            (.init(topK: 49), "--top-k 49 exceeds min(rows, cols) of every matrix (the largest is 48)"),
            (.init(method: .randomized), "--method randomized needs --top-k"),
            (.init(leadingVectors: 3, topK: 2), "--vectors 3 exceeds --top-k 2"),
            (.init(topK: 2, sketch: .init(oversampling: -1)), "--oversampling must be ≥ 0"),
        ]
        for (options, message) in cases {
            XCTAssertThrowsError(try analyse("f32_base.safetensors", "f32_tuned.safetensors", options)) { error in
                XCTAssertEqual((error as? RankAnalysisError)?.code, .invalidOption)
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }
}
