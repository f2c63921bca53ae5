import CheckpointIO
import Foundation
import RankAnalysis
import Reports
import XCTest
import _TestSupport

final class RankReportTests: XCTestCase {
    func report(_ options: RankAnalysisOptions = .init()) throws -> RankReport {
        let base = try Checkpoint.open(Fixtures.path("rank/bf16_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/bf16_tuned.safetensors"))
        let result = try RankAnalyzer.run(TensorPairing(base: base, tuned: tuned), options: options)
        let provenance = RunProvenance(command: "rank", arguments: ["intrinsic-dim", "rank"],
                                       inputs: ["base": .init(base), "tuned": .init(tuned)],
                                       options: ["jobs": "2"], startedAt: Date(), seconds: result.seconds)
        return RankReport(result: result, provenance: provenance)
    }

    func testColumnsAreExactlyTheDocumentedOnes() throws {
        let r = try report()
        XCTAssertEqual(Fixtures.csvColumns(r.summaryCSV), [
            "tensor", "rows", "cols", "dtype", "fro_norm", "spectral_norm", "nuclear_norm", "stable_rank",
            "entropy_effective_rank", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95",
            "energy_rank_99", "rel_update", "noise_rank", "method", "top_k", "tail_energy", "beyond_k"])
        for row in Fixtures.parseCSV(r.summaryCSV) {
            XCTAssertEqual(row["method"], "exact")
            XCTAssertEqual(row["top_k"], "")
            XCTAssertEqual(row["tail_energy"], "0.0")
            XCTAssertEqual(row["beyond_k"], "")
        }
        XCTAssertEqual(Fixtures.csvColumns(r.spectraCSV), ["tensor", "index", "sigma", "energy_cumulative"])
        XCTAssertEqual(Fixtures.csvColumns(r.vectorCSV), ["tensor", "length", "dtype", "fro_norm", "rel_update"])
        let spectra = Fixtures.parseCSV(r.spectraCSV)
        // 8·27 → 8, 64·48 → 48, 40·40 → 40, 16·80 → 16, 32·16 → 16.
        XCTAssertEqual(spectra.count, 8 + 48 + 40 + 16 + 16)
        XCTAssertEqual(spectra.first?["index"], "1")
        let lastOfConv = spectra.filter { $0["tensor"] == "conv1.weight" }.last
        XCTAssertEqual(lastOfConv?["index"], "8")
        XCTAssertEqual(Double(lastOfConv?["energy_cumulative"] ?? "") ?? 0, 1, accuracy: 1e-12)
    }

    func testJSONHasRowsSkippedAndProvenance() throws {
        let r = try report()
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 5)
        XCTAssertEqual(tensors.first?["shape"] as? [Int], [8, 3, 3, 3])
        XCTAssertNotNil(tensors.first?["noise_threshold"] as? Double)
        let skipped = try XCTUnwrap(json["skipped"] as? [[String: String]])
        XCTAssertEqual(Set(skipped.map { $0["tensor"]! }), ["only_in_base.weight", "only_in_tuned.weight", "position_ids"])
        let provenance = try XCTUnwrap(json["provenance"] as? [String: Any])
        XCTAssertEqual(provenance["tool"] as? String, "intrinsic-dim")
        XCTAssertEqual(provenance["command"] as? String, "rank")
        let inputs = try XCTUnwrap(provenance["inputs"] as? [String: [String: Any]])
        let files = try XCTUnwrap(inputs["base"]?["files"] as? [[String: Any]])
        XCTAssertEqual(files.first?["byteCount"] as? Int, 14280, "the fixture's size in bytes")
        XCTAssertTrue((json["dtype_handling"] as? String)?.contains("float64") ?? false)
    }

    func testWriteCreatesEveryFileAndNoTemporaries() throws {
        let dir = try Fixtures.temporaryDirectory("report") + "/nested/out"
        try report().write(to: dir)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)),
                       ["rank_summary.csv", "spectra.csv", "vector_summary.csv", "rank_summary.json"])
    }

    /// With --top-k, metrics beyond K are empty cells named in beyond_k (CSV) and null (JSON);
    /// spectra.csv holds K rows per tensor whose energies are fractions of the whole ‖ΔW‖²_F.
    func testTopKLeavesUndeterminedMetricsEmpty() throws {
        let r = try report(.init(topK: 2, method: .randomized))
        let rows = Dictionary(uniqueKeysWithValues: Fixtures.parseCSV(r.summaryCSV).map { ($0["tensor"]!, $0) })
        let geometric = try XCTUnwrap(rows["layers.0.geometric.weight"])  // σ = 0.5^i: the top 2 hold 93.75 %
        XCTAssertEqual(geometric["method"], "randomized")
        XCTAssertEqual(geometric["top_k"], "2")
        XCTAssertEqual(geometric["energy_rank_50"], "1")
        XCTAssertEqual(geometric["energy_rank_90"], "2")
        for column in ["energy_rank_95", "energy_rank_99", "nuclear_norm", "entropy_effective_rank", "numerical_rank", "noise_rank"] {
            XCTAssertEqual(geometric[column], "", column)
        }
        XCTAssertEqual(geometric["beyond_k"],
                       "nuclear_norm;entropy_effective_rank;numerical_rank;energy_rank_95;energy_rank_99;noise_rank")
        assertClose(Double(geometric["tail_energy"]!)!, 1 - 0.9375, rtol: 1e-3, "tail energy")
        let spectra = Fixtures.parseCSV(r.spectraCSV).filter { $0["tensor"] == "layers.0.geometric.weight" }
        XCTAssertEqual(spectra.count, 2)
        assertClose(Double(spectra[1]["energy_cumulative"]!)!, 0.9375, rtol: 1e-3, "cumulative energy of the top 2")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        let g = try XCTUnwrap(tensors.first { $0["tensor"] as? String == "layers.0.geometric.weight" })
        XCTAssertTrue(g["energy_rank_99"] is NSNull)
        XCTAssertEqual(g["energy_rank_90"] as? Int, 2)
        XCTAssertEqual(g["beyond_k"] as? [String], geometric["beyond_k"]!.split(separator: ";").map(String.init))
    }
}
