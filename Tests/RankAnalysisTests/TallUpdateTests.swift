import CheckpointIO
import Foundation
import LinearAlgebra
@testable import RankAnalysis
import XCTest
import _TestSupport

/// A pair whose largest update is tall enough for the row-block path
/// (SVD.prefersTallPath): results bit-identical for any `jobs`, and equal to
/// `?gesdd` on the whole ΔW within a stated bound. Bit identity is sound for `jobs`: every
/// tensor runs the same calls on the same parts and panels with OpenBLAS at one thread
/// (TensorJobs), whichever worker runs it; against `?gesdd` (another algorithm) a bound.
final class TallUpdateTests: XCTestCase {
    func writePair(_ shapes: [(String, Int, Int)]) throws -> TensorPairing {
        let dir = try Fixtures.temporaryDirectory("tall-pair")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        var base = SafetensorsWriter(), tuned = SafetensorsWriter()
        for (k, (name, m, n)) in shapes.enumerated() {
            var w = [Float](repeating: 0, count: m * n), d = w
            for i in 0..<(m * n) {
                w[i] = Float(sin(Double(i &* 7 + k)))
                // A decaying low-rank-ish update plus small noise.
                let (r, c) = (i / n, i % n)
                d[i] = Float(1e-2 * cos(Double(r) * 0.013 * Double(c % 5 + 1)) / Double(c % 7 + 1) + 1e-5 * sin(Double(i) * 1.7))
            }
            base.add(name, shape: [m, n], float32: w)
            tuned.add(name, shape: [m, n], float32: zip(w, d).map(+))
        }
        try base.write(to: dir + "/base.safetensors")
        try tuned.write(to: dir + "/tuned.safetensors")
        return try TensorPairing(base: Checkpoint.open(dir + "/base.safetensors"),
                                 tuned: Checkpoint.open(dir + "/tuned.safetensors"))
    }

    func testTallUpdateIsBitIdenticalForAnyJobsAndMatchesGesdd() throws {
        // panels.weight: one part in panels of 983, 983 and 634 rows (SVD.tallPanelRows).
        let pairing = try writePair([("embed.weight", 3000, 48), ("wide.weight", 40, 2000), ("panels.weight", 2600, 400),
                                     ("a.weight", 64, 48), ("b.weight", 96, 48), ("c.weight", 48, 48)])
        let runs = try [1, 2, 3].map { try RankAnalyzer.run(pairing, options: .init(jobs: $0)) }
        for run in runs.dropFirst() {
            XCTAssertEqual(run.matrices.map(\.tensor), runs[0].matrices.map(\.tensor))
            for (a, b) in zip(runs[0].matrices, run.matrices) {
                XCTAssertEqual(a.singularValues.map(\.bitPattern), b.singularValues.map(\.bitPattern), a.tensor)
                XCTAssertEqual(a.metrics, b.metrics, a.tensor)
            }
        }
        // The lone tall tensor with a spare worker (jobs 2, one tensor) gives the same bits.
        let lone = try writePair([("embed.weight", 3000, 48)])
        let alone = try RankAnalyzer.run(lone, options: .init(jobs: 2)).matrices[0]
        let inMix = try XCTUnwrap(runs[0].matrices.first { $0.tensor == "embed.weight" })
        XCTAssertEqual(alone.singularValues.map(\.bitPattern), inMix.singularValues.map(\.bitPattern))

        for name in ["embed.weight", "wide.weight", "panels.weight"] {
            let pair = try XCTUnwrap(pairing.matrices.first { $0.name == name })
            let r = try XCTUnwrap(runs[1].matrices.first { $0.tensor == name })
            let reference = try SVD.singularValues(of: pair.update())
            for (i, (x, y)) in zip(r.singularValues, reference).enumerated() {
                assertClose(x, y, rtol: 1e-12, atol: 1e-12 * reference[0], "\(name) σ\(i + 1)")
            }
        }
    }

    /// A NaN in a later part of a tall update (formed panel by panel, parts on
    /// two workers) is reported as the first NaN in the tensor, naming it.
    func testNaNInATallUpdateNamesTheTensorAndElement() throws {
        let dir = try Fixtures.temporaryDirectory("tall-nan")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let (m, n) = (3000, 48)
        XCTAssertEqual(SVD.tallRowBlocks(rows: m, cols: n), 8)
        let w = (0..<(m * n)).map { Float(sin(Double($0))) }
        var t = w.map { $0 + 1e-3 }
        t[2000 * n + 5] = .nan   // row 2000: part 5 of 8
        t[2900 * n + 1] = .nan   // a later one, in part 7
        var base = SafetensorsWriter(), tuned = SafetensorsWriter()
        base.add("embed.weight", shape: [m, n], float32: w)
        tuned.add("embed.weight", shape: [m, n], float32: t)
        try base.write(to: dir + "/base.safetensors")
        try tuned.write(to: dir + "/tuned.safetensors")
        let pairing = try TensorPairing(base: Checkpoint.open(dir + "/base.safetensors"),
                                        tuned: Checkpoint.open(dir + "/tuned.safetensors"))
        for jobs in [1, 2] {
            XCTAssertThrowsError(try RankAnalyzer.run(pairing, options: .init(jobs: jobs))) { e in
                let error = e as? CheckpointError
                XCTAssertEqual(error?.code, .nonFinite, "\(e)")
                XCTAssertEqual(error?.tensor, "embed.weight")
                XCTAssertEqual(error?.element, [2000, 5])
                XCTAssertTrue("\(e)".contains("tuned.safetensors"), "\(e)")
            }
        }
    }
}
