import CheckpointIO
import Foundation
import RankAnalysis
import XCTest
import _TestSupport

final class PairingTests: XCTestCase {
    let base = { try! Checkpoint.open(Fixtures.path("rank/f32_base.safetensors")) }()
    let tuned = { try! Checkpoint.open(Fixtures.path("rank/bf16_tuned.safetensors")) }()

    func testKindsAndMatrixViews() throws {
        let p = try TensorPairing(base: base, tuned: tuned)
        XCTAssertEqual(p.matrices.map(\.name), ["conv1.weight", "layers.0.exact_rank3.weight", "layers.0.geometric.weight",
                                               "layers.1.wide.weight", "layers.1.zero_update.weight"])
        XCTAssertEqual(p.vectors.map(\.name), ["layers.0.bias"])
        XCTAssertEqual(p.skipped.map(\.tensor), ["position_ids"])
        XCTAssertEqual(p.onlyInBase, ["only_in_base.weight"])
        XCTAssertEqual(p.onlyInTuned, ["only_in_tuned.weight"])
        let conv = try XCTUnwrap(p.matrices.first)
        XCTAssertEqual([conv.rows, conv.cols], [8, 27], "out × (in·kh·kw)")
        XCTAssertEqual(conv.dtypeLabel, "F32/BF16")
        XCTAssertEqual(conv.rankEpsilon, 0x1p-23)
    }

    /// ΔW of a mixed F32/BF16 pair is the exact float64 difference of the
    /// stored values, not a BF16-rounded one.
    func testUpdateIsExactFloat64Difference() throws {
        let p = try TensorPairing(base: base, tuned: tuned)
        let pair = try XCTUnwrap(p.matrices.first { $0.name == "layers.0.exact_rank3.weight" })
        let delta = try pair.update()
        let b = try pair.base.readDoubles(), t = try pair.tuned.readDoubles()
        XCTAssertEqual(delta.storage, zip(t, b).map { $0 - $1 })
        // Rounded to BF16 the difference would lose bits; make sure some do not fit.
        let bf16Exact = delta.storage.allSatisfy { Float($0).bitPattern & 0xFFFF == 0 && Double(Float($0)) == $0 }
        XCTAssertFalse(bf16Exact)
    }

    func testStrictFailsOnUnpairedTensor() {
        XCTAssertThrowsError(try TensorPairing(base: base, tuned: tuned, strict: true)) { e in
            let error = e as? RankAnalysisError
            XCTAssertEqual(error?.code, .unpairedTensor)
            XCTAssertEqual(error?.tensor, "only_in_base.weight")
        }
    }

    func testFilters() throws {
        let inc = try TensorPairing(base: base, tuned: tuned, filter: TensorFilter(include: ["^layers\\.0\\."]))
        XCTAssertEqual(inc.matrices.map(\.name), ["layers.0.exact_rank3.weight", "layers.0.geometric.weight"])
        XCTAssertEqual(inc.onlyInBase, [], "filtered-out names are not reported as unpaired")
        let exc = try TensorPairing(base: base, tuned: tuned, filter: TensorFilter(exclude: ["conv", "zero"]))
        XCTAssertEqual(exc.matrices.map(\.name), ["layers.0.exact_rank3.weight", "layers.0.geometric.weight", "layers.1.wide.weight"])
        XCTAssertThrowsError(try TensorFilter(include: ["("])) { e in
            XCTAssertEqual((e as? RankAnalysisError)?.code, .invalidPattern)
        }
    }

    func testShapeMismatchNamesTensorAndFiles() throws {
        let dir = try Fixtures.temporaryDirectory("shape")
        var a = SafetensorsWriter(), b = SafetensorsWriter()
        a.add("w", shape: [2, 3], float32: [1, 2, 3, 4, 5, 6])
        b.add("w", shape: [3, 2], float32: [1, 2, 3, 4, 5, 6])
        try a.write(to: dir + "/a.safetensors")
        try b.write(to: dir + "/b.safetensors")
        XCTAssertThrowsError(try TensorPairing(base: Checkpoint.open(dir + "/a.safetensors"),
                                               tuned: Checkpoint.open(dir + "/b.safetensors"))) { e in
            let error = e as? RankAnalysisError
            XCTAssertEqual(error?.code, .shapeMismatch)
            XCTAssertEqual(error?.tensor, "w")
            XCTAssertTrue("\(e)".contains("[2, 3]") && "\(e)".contains("[3, 2]") && "\(e)".contains("a.safetensors"), "\(e)")
        }
    }

    func testNonFiniteValueFailsTheRun() throws {
        let nan = try Checkpoint.open(Fixtures.path("malformed/nan_tensor.safetensors"))
        XCTAssertThrowsError(try RankAnalyzer.run(TensorPairing(base: nan, tuned: nan))) { e in
            let error = e as? CheckpointError
            XCTAssertEqual(error?.code, .nonFinite)
            XCTAssertEqual(error?.tensor, "w")
            XCTAssertEqual(error?.element, [1, 0])
        }
    }

    func testSingleNPYFilesPairWhateverTheirNames() throws {
        let a = try Checkpoint.open(Fixtures.path("rank/npy/exact_rank3_c_le_f32.npy"))
        let b = try Checkpoint.open(Fixtures.path("rank/npy/exact_rank3_fortran_f64.npy"))
        let p = try TensorPairing(base: a, tuned: b)
        XCTAssertEqual(p.matrices.count, 1)
        // The F64 file holds the same values before rounding to F32: ΔW is the F32 rounding error.
        let r = try RankAnalyzer.analyse(p.matrices[0])
        XCTAssertLessThan(r.metrics.spectralNorm, 1e-7)
        XCTAssertGreaterThan(r.metrics.spectralNorm, 0)
    }
}
