import CheckpointIO
import LinearAlgebra
import RankAnalysis
import XCTest
import _TestSupport

/// `extract-lora --method randomized` against the exact (Gram matrix) extraction.
final class RandomizedExtractionTests: XCTestCase {
    func extract(_ variant: String, _ configure: (inout LoRAExtractionOptions) -> Void) throws -> [String: ExtractedLoRAModule] {
        let base = try Checkpoint.open(Fixtures.path("rank/\(variant)_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/\(variant)_tuned.safetensors"))
        var options = try LoRAExtractionOptions(rule: .fixed(3))
        configure(&options)
        let result = try LoRAExtractor.run(TensorPairing(base: base, tuned: tuned), options: options)
        return Dictionary(uniqueKeysWithValues: result.modules.map { ($0.tensor, $0) })
    }

    func testRandomizedFactorsMatchExactOnes() throws {
        for variant in ["f64", "bf16"] {
            let exact = try extract(variant) { $0.rule = .fixed(3) }
            let fast = try extract(variant) { $0.rule = .fixed(3); $0.method = .randomized }
            XCTAssertEqual(Set(exact.keys), Set(fast.keys))
            for (tensor, e) in exact {
                let f = try XCTUnwrap(fast[tensor])
                let label = "\(variant) \(tensor)"
                XCTAssertEqual(f.rank, e.rank, label)
                XCTAssertEqual(f.method, min(f.rows, f.cols) > 3 ? .randomized : .exact, label)
                assertClose(f.retainedEnergy, e.retainedEnergy, rtol: 1e-8, label)
                // B·A is the same rank-3 approximation: the leading 3 values are separated from the rest.
                let be = try GEMM.multiply(e.b, e.a), bf = try GEMM.multiply(f.b, f.a)
                var diff = bf
                for k in 0..<diff.storage.count { diff.storage[k] -= be.storage[k] }
                XCTAssertLessThan(diff.frobeniusNorm, 1e-7 * be.frobeniusNorm, label)
            }
        }
    }

    func testEnergyRuleNeedsMaxRank() throws {
        XCTAssertThrowsError(try extract("f64") { $0.rule = .energy(0.9); $0.method = .randomized }) { error in
            XCTAssertEqual((error as? RankAnalysisError)?.code, .invalidOption)
            XCTAssertTrue("\(error)".contains("--max-rank"), "\(error)")
        }
        // With --max-rank 4 the energy rule picks within the top 4, against the exact ‖ΔW‖²_F.
        let exact = try extract("f64") { $0.rule = .energy(0.9) }
        let fast = try extract("f64") { $0.rule = .energy(0.9); $0.maxRank = 4; $0.method = .randomized }
        for (tensor, e) in exact where e.rank <= 4 { XCTAssertEqual(fast[tensor]?.rank, e.rank, tensor) }
    }
}
