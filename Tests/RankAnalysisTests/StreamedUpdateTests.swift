import CheckpointIO
import Foundation
import LinearAlgebra
@testable import RankAnalysis
import XCTest
import _TestSupport

/// An update too large to form is applied block by block from the mapped
/// checkpoints (``StreamedUpdate``). Forced here on the fixture pairs with a
/// zero threshold and blocks of a few rows: the products equal dense GEMM
/// with the formed ΔW, and `rank --top-k` and `extract-lora` give what the
/// formed matrix gives, bit-identical for any `jobs`.
final class StreamedUpdateTests: XCTestCase {
    func pairing(_ variant: String) throws -> TensorPairing {
        try TensorPairing(base: Checkpoint.open(Fixtures.path("rank/\(variant)_base.safetensors")),
                          tuned: Checkpoint.open(Fixtures.path("rank/\(variant)_tuned.safetensors")))
    }

    func streaming(_ sketch: SketchOptions, rowsPerBlock: Int = 3, cols: Int = 48) -> SketchOptions {
        var s = sketch
        s.streamingThreshold = 0
        s.streamingBlockBytes = rowsPerBlock * 8 * cols
        return s
    }

    func testProductsEqualDenseGEMMWithTheFormedUpdate() throws {
        for variant in ["f32", "bf16"] {
            for pair in try pairing(variant).matrices {
                let dense = try pair.update()
                let update = StreamedUpdate(pair, blockBytes: 5 * 8 * pair.cols)  // 5 rows per block
                XCTAssertEqual(update.blockRows, min(5, pair.rows))
                var x = Matrix<Double>(rows: pair.cols, cols: 4), y = Matrix<Double>(rows: pair.rows, cols: 4)
                for k in x.storage.indices { x.storage[k] = sin(Double(k) * 0.7) }
                for k in y.storage.indices { y.storage[k] = cos(Double(k) * 0.3) }
                let label = "\(variant) \(pair.name)"
                for (got, want) in [(try update.product(x, transposed: false, threads: 2), try GEMM.multiply(dense, x)),
                                    (try update.product(y, transposed: true, threads: 1), try GEMM.multiply(dense, y, transposeA: true))] {
                    XCTAssertEqual(got.rows, want.rows, label)
                    XCTAssertEqual(got.cols, want.cols, label)
                    let scale = want.storage.map(abs).max() ?? 0
                    for k in want.storage.indices { assertClose(got.storage[k], want.storage[k], rtol: 0, atol: 1e-13 * max(scale, 1e-300), label) }
                }
                let (total, stats) = try update.statistics()
                assertClose(total, dense.storage.reduce(0) { $0 + $1 * $1 }, rtol: 1e-14, label)
                // Formed in one piece (Float and Double) or in blocks of 5 rows: the same lanes, the same bits.
                var single = [Float](repeating: 0, count: pair.rows * pair.cols)
                let (formedTotal, _) = try single.withUnsafeMutableBufferPointer { try update.form(into: $0) }
                XCTAssertEqual(formedTotal, total, label)
                XCTAssertEqual(single, dense.storage.map { Float($0) }, label)
                var buffer = [Double](repeating: 0, count: pair.rows * pair.cols)
                let formed = try buffer.withUnsafeMutableBufferPointer { try pair.computeUpdate(into: $0) }
                // Σ base² is summed per block here, per decode chunk there: equal to rounding.
                assertClose(stats.baseSumSquares, formed.baseSumSquares, rtol: 1e-14, label)
                XCTAssertEqual(stats.sumSquaredULPBase, formed.sumSquaredULPBase, label)
                XCTAssertEqual(stats.sumSquaredULPTuned, formed.sumSquaredULPTuned, label)
            }
        }
    }

    /// `options` with every update streamed, run with 1 and 2 jobs; asserts the two
    /// give bit-identical values and returns both results. Bit identity is sound: both run
    /// the same block pass and products (fixed blocks, OpenBLAS at one thread per job);
    /// streamed against formed, two code paths, is held to a bound instead.
    func streamedForOneAndTwoJobs(_ pairing: TensorPairing, _ options: RankAnalysisOptions) throws -> [RankAnalysisResult] {
        var results: [RankAnalysisResult] = []
        for jobs in [1, 2] {
            var o = options
            o.jobs = jobs
            o.sketch = streaming(options.sketch)
            results.append(try RankAnalyzer.run(pairing, options: o))
        }
        for (a, b) in zip(results[0].matrices, results[1].matrices) {
            XCTAssertEqual(a.singularValues, b.singularValues, "bit-identical for jobs 1 and 2: \(a.tensor)")
        }
        return results
    }

    func testRankTopKStreamedMatchesFormedForAnyJobs() throws {
        for variant in ["f32", "bf16"] {
            let pairing = try pairing(variant)
            var formed = RankAnalysisOptions(jobs: 1, leadingVectors: 0, topK: 3)
            formed.method = .randomized
            let reference = try RankAnalyzer.run(pairing, options: formed)
            let results = try streamedForOneAndTwoJobs(pairing, formed)
            for (s, f) in zip(results[0].matrices, reference.matrices) {
                let label = "\(variant) \(s.tensor)"
                XCTAssertEqual(s.tensor, f.tensor)
                XCTAssertEqual(s.method, .randomized, label)
                XCTAssertEqual(s.frobeniusNormSquared, f.frobeniusNormSquared, label)
                XCTAssertEqual(s.metrics.noiseThreshold, f.metrics.noiseThreshold, label)
                XCTAssertEqual(s.metrics.beyondK, f.metrics.beyondK, label)
                XCTAssertEqual(s.singularValues.count, f.singularValues.count, label)
                for (x, y) in zip(s.singularValues, f.singularValues) { assertClose(x, y, rtol: 1e-12, atol: 1e-15, label) }
            }
        }
    }

    /// float32: streamed and formed agree to Float rounding, bit-identical for
    /// any jobs, with the same Float64 ‖ΔW‖²_F and noise floor as float64; and
    /// the values are float64's to a few 1e-7 of σ₁ (asserted: 5e-6, for other CPUs' kernels).
    func testFloat32StreamedMatchesFormedAndFloat64() throws {
        for variant in ["f32", "bf16"] {
            let pairing = try pairing(variant)
            var double = RankAnalysisOptions(jobs: 1, leadingVectors: 0, topK: 3)
            double.method = .randomized
            let reference = try RankAnalyzer.run(pairing, options: double)
            var single = double
            single.sketch.precision = .float32
            let formed = try RankAnalyzer.run(pairing, options: single)
            let streamedRuns = try streamedForOneAndTwoJobs(pairing, single)
            // The float32 run really computes in Float: its values are not float64's bits.
            XCTAssertTrue(zip(formed.matrices, reference.matrices).contains { $0.singularValues != $1.singularValues }, variant)
            for ((s, f), d) in zip(zip(streamedRuns[0].matrices, formed.matrices), reference.matrices) {
                let label = "\(variant) \(s.tensor)"
                XCTAssertEqual(f.method, .randomized, label)
                XCTAssertEqual(s.frobeniusNormSquared, d.frobeniusNormSquared, label)
                XCTAssertEqual(f.frobeniusNormSquared, d.frobeniusNormSquared, label)
                XCTAssertEqual(f.metrics.noiseThreshold, d.metrics.noiseThreshold, label)
                let top = d.singularValues.first ?? 0
                for i in d.singularValues.indices {
                    assertClose(f.singularValues[i], d.singularValues[i], rtol: 0, atol: 5e-6 * top, "\(label) σ\(i + 1) f32 vs f64")
                    assertClose(s.singularValues[i], f.singularValues[i], rtol: 0, atol: 5e-6 * top, "\(label) σ\(i + 1) streamed")
                }
            }
        }
    }

    func testExtractionStreamedMatchesFormed() throws {
        let pairing = try pairing("f64")
        var options = try LoRAExtractionOptions(rule: .fixed(2))
        options.method = .randomized
        let formed = try LoRAExtractor.run(pairing, options: options)
        options.sketch = streaming(options.sketch)
        options.jobs = 2
        let streamed = try LoRAExtractor.run(pairing, options: options)
        XCTAssertEqual(streamed.rows.map(\.tensor), formed.rows.map(\.tensor))
        XCTAssertGreaterThan(formed.modules.count, 2)
        for (s, f) in zip(streamed.modules, formed.modules) {
            XCTAssertEqual(s.rank, f.rank, s.tensor)
            assertClose(s.retainedEnergy, f.retainedEnergy, rtol: 1e-12, s.tensor)
            let bs = try GEMM.multiply(s.b, s.a), bf = try GEMM.multiply(f.b, f.a)
            let scale = bf.storage.map(abs).max() ?? 0
            for k in bf.storage.indices { assertClose(bs.storage[k], bf.storage[k], rtol: 0, atol: 1e-10 * scale, s.tensor) }
        }
    }
}
