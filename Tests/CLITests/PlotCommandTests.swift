import Foundation
import XCTest
import _TestSupport

/// End-to-end tests of `intrinsic-dim plot`: the executable draws the recorded fine-tuning
/// experiment (data/reference, laid out as `experiment finetune` writes it) and a rank folder
/// that `intrinsic-dim rank` writes here; the marks are read back and compared with values
/// this test computes from the CSV files; bad folders fail with one line and no figure.
final class PlotCommandTests: XCTestCase {
    static let reference = Fixtures.root + "/data/reference/finetune-fc-fashion-to-mnist"

    private func temporary(_ label: String) throws -> String {
        let dir = try Fixtures.temporaryDirectory(label)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    private func copy(_ from: String, _ to: String) throws {
        try FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    private func lines(_ s: String) -> [String] { s.split(whereSeparator: \.isNewline).map(String.init) }

    /// Means of the ok runs' final accuracy per d (d > 0), computed from a sweep.csv.
    private func means(_ sweepCSV: String) throws -> [Int: Double] {
        let rows = Fixtures.parseCSV(try String(contentsOfFile: sweepCSV, encoding: .utf8)).filter { $0["status"] == "ok" && $0["d"] != "0" }
        return Dictionary(grouping: rows) { Int($0["d"]!)! }.mapValues { g in g.map { Double($0["final_test_accuracy"]!)! }.reduce(0, +) / Double(g.count) }
    }

    /// The experiment folder: the recorded sweeps, summary and compare files, and a rank folder written by `rank`.
    private func experimentFolder() throws -> String {
        let dir = try temporary("plot-experiment") + "/exp"
        let r = Self.reference
        for f in ["experiment.csv", "experiment.json", "subspace/sweep.csv", "subspace/d_int90.json", "lora/sweep.csv", "lora/d_int90.json"] {
            try copy(r + "/" + f, dir + "/" + f)
        }
        for f in try FileManager.default.contentsOfDirectory(atPath: r + "/compare") where f.hasSuffix("-subspace_similarity.csv") {
            let name = String(f.dropLast("-subspace_similarity.csv".count))
            try copy(r + "/compare/" + f, dir + "/compare/\(name)/subspace_similarity.csv")
            try copy(r + "/compare/\(name)-compare_summary.csv", dir + "/compare/\(name)/compare_summary.csv")
        }
        let rank = try CommandRunner.run(["rank", "--base", Fixtures.path("rank/f32_base.safetensors"),
                                          "--tuned", Fixtures.path("rank/f32_tuned.safetensors"), "--out", dir + "/rank/seed0"])
        XCTAssertEqual(rank.status, 0, rank.stderr)
        return dir
    }

    func testExperimentFolderDrawsEveryFigureWithTheRecordedValues() throws {
        let dir = try experimentFolder()
        let o = try CommandRunner.run(["plot", dir])
        XCTAssertEqual(o.status, 0, o.stderr)
        let written = lines(o.stdout)
        let names = Set(written.map { ($0 as NSString).lastPathComponent })
        XCTAssertTrue(written.allSatisfy { $0.hasPrefix(dir + "/figures/") }, o.stdout)
        let compares = try FileManager.default.contentsOfDirectory(atPath: dir + "/compare")
        var expected: Set<String> = ["accuracy_vs_parameters.svg", "subspace-accuracy_vs_d.svg", "lora-accuracy_vs_rank.svg", "rank-seed0-spectra.svg"]
        for c in compares { for t in ["fc1.weight", "fc2.weight", "fc3.weight"] { expected.insert("compare-\(c)-similarity_\(t).svg") } }
        XCTAssertEqual(names, expected)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/figures")), expected, "nothing else in figures/")
        var readers: [String: SVGReader] = [:]
        for path in written {
            do { readers[(path as NSString).lastPathComponent] = try SVGReader(path: path) } catch { XCTFail("\(path): \(error)") }
        }

        // Figure 1 of the subspace sweep: the means the test computes from sweep.csv.
        let subspace = try means(dir + "/subspace/sweep.csv")
        let sub = try XCTUnwrap(readers["subspace-accuracy_vs_d.svg"])
        let meanPoints = sub.marks("point", series: "mean")
        XCTAssertEqual(meanPoints.count, subspace.count)
        for p in meanPoints {
            let d = Int(try XCTUnwrap(p.attributes["data-size"]))!
            assertClose(p.xAxis!.value(p.number("cx")!), Double(d), rtol: 1e-6, "d")
            assertClose(p.yAxis!.value(p.number("cy")!), try XCTUnwrap(subspace[d]), rtol: 1e-6, "mean at d = \(d)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/subspace/d_int90.json"))) as! [String: Any]
        let int90 = try XCTUnwrap(sub.marks("reference", series: "int90").first)
        assertClose(int90.xAxis!.value(int90.number("x1")!), (json["d_int90"] as! NSNumber).doubleValue, rtol: 1e-6, "d_int90")

        // Figure 4: subspace points at (d, mean), LoRA points at (trainable parameters, mean), from the sweeps.
        let lora = try means(dir + "/lora/sweep.csv")
        let loraRows = Fixtures.parseCSV(try String(contentsOfFile: dir + "/lora/sweep.csv", encoding: .utf8))
        let fig4 = try XCTUnwrap(readers["accuracy_vs_parameters.svg"])
        let experimentRows = Fixtures.parseCSV(try String(contentsOfFile: dir + "/experiment.csv", encoding: .utf8))
        for p in fig4.marks("point") {
            let mode = p.attributes["data-series"]!, size = Int(p.attributes["data-size"]!)!
            let x = p.xAxis!.value(p.number("data-cx")!), y = p.yAxis!.value(p.number("data-cy")!)
            switch mode {
            case "subspace":
                assertClose(x, Double(size), rtol: 1e-6, "subspace parameters")
                assertClose(y, try XCTUnwrap(subspace[size]), rtol: 1e-6, "subspace mean")
            case "lora":
                let params = Double(try XCTUnwrap(loraRows.first { $0["d"] == String(size) }?["trainable_parameters"]))!
                assertClose(x, params, rtol: 1e-6, "LoRA parameters")
                assertClose(y, try XCTUnwrap(lora[size]), rtol: 1e-6, "LoRA mean")
            case "full":
                assertClose(x, 199210, rtol: 1e-6, "D")
            case "extracted", "extracted_energy":
                let row = try XCTUnwrap(experimentRows.first { $0["mode"] == mode && $0["size"] == String(size) }, "\(mode) \(size)")
                assertClose(x, Double(row["trainable_parameters"]!)!, rtol: 1e-6, "\(mode) parameters")
                assertClose(y, Double(row["mean_accuracy"]!)!, rtol: 1e-6, "\(mode) mean")
            default:
                XCTFail("unexpected series \(mode)")
            }
        }
        let extracted = experimentRows.filter { $0["mode"]!.hasPrefix("extracted") }.count
        XCTAssertGreaterThan(extracted, 0, "the recorded experiment has extraction rows")
        XCTAssertEqual(fig4.marks("point").count, subspace.count + lora.count + 1 + extracted)

        // The spectra drawn from the rank folder are spectra.csv's σ.
        let spectra = Fixtures.parseCSV(try String(contentsOfFile: dir + "/rank/seed0/spectra.csv", encoding: .utf8))
        let spec = try XCTUnwrap(readers["rank-seed0-spectra.svg"])
        let sigmaLines = spec.marks("line").filter { $0.plotArea?["data-panel"]?.hasPrefix("sigma|") == true }
        XCTAssertFalse(sigmaLines.isEmpty)
        for line in sigmaLines {
            let tensor = line.attributes["data-tensor"]!
            let rows = spectra.filter { $0["tensor"] == tensor }
            let sigmaMax = rows.map { Double($0["sigma"]!)! }.max()!
            let shown = rows.filter { Double($0["sigma"]!)! > sigmaMax * 1e-12 }
            let pts = SVGReader.points(line)
            XCTAssertEqual(pts.count, shown.count, tensor)
            for (p, r) in zip(pts, shown) {
                assertClose(line.xAxis!.value(p.0), Double(r["index"]!)!, rtol: 1e-6, "\(tensor) index")
                assertClose(line.yAxis!.value(p.1), Double(r["sigma"]!)!, rtol: 1e-6, "\(tensor) σ_\(r["index"]!)")
            }
        }

        // A heatmap cell holds the CSV's φ at its (i, j).
        let phiRows = Fixtures.parseCSV(try String(contentsOfFile: dir + "/compare/r4-seed0/subspace_similarity.csv", encoding: .utf8))
            .filter { $0["tensor"] == "fc2.weight" && $0["comparison"] == "lora_full" }
        let heat = try XCTUnwrap(readers["compare-r4-seed0-similarity_fc2.weight.svg"])
        for r in phiRows {
            let cell = try XCTUnwrap(heat.marks("cell").first {
                $0.plotArea?["data-panel"] == r["side"]! + "|lora_full" && $0.attributes["data-i"] == r["i"] && $0.attributes["data-j"] == r["j"]
            })
            XCTAssertEqual(cell.number("data-value"), Double(r["phi"]!)!)
            XCTAssertEqual(cell.xAxis!.value(cell.number("x")! + cell.number("width")! / 2), Double(r["j"]!)!, accuracy: 1e-6)
            XCTAssertEqual(cell.yAxis!.value(cell.number("y")! + cell.number("height")! / 2), Double(r["i"]!)!, accuracy: 1e-6)
        }
    }

    func testOutAndTensorsOptions() throws {
        let dir = try temporary("plot-rank")
        let rank = try CommandRunner.run(["rank", "--base", Fixtures.path("rank/f32_base.safetensors"),
                                          "--tuned", Fixtures.path("rank/f32_tuned.safetensors"), "--out", dir + "/rank"])
        XCTAssertEqual(rank.status, 0, rank.stderr)
        let o = try CommandRunner.run(["plot", dir + "/rank", "--out", dir + "/figs", "--tensors", "conv1.weight,layers.1.wide.weight"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertEqual(lines(o.stdout), [dir + "/figs/spectra.svg"])
        let svg = try SVGReader(path: dir + "/figs/spectra.svg")
        XCTAssertEqual(Set(svg.marks("line").compactMap { $0.attributes["data-tensor"] }), ["conv1.weight", "layers.1.wide.weight"])
        let bad = try CommandRunner.run(["plot", dir + "/rank", "--out", dir + "/figs2", "--tensors", "missing.weight"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(lines(bad.stderr).count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("spectra.csv: tensor 'missing.weight'"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/figs2/spectra.svg"))
    }

    func testMalformedSweepFailsWithOneLineAndNoFigure() throws {
        let source = try String(contentsOfFile: Self.reference + "/subspace/sweep.csv", encoding: .utf8)
        let cases: [(label: String, csv: String, mentions: [String])] = [
            ("missing column", source.replacingOccurrences(of: "final_test_accuracy", with: "final"), ["column 'final_test_accuracy' is missing"]),
            ("non-numeric cell", source.replacingOccurrences(of: ",0.9778,", with: ",n/a,"), ["line 2", "column 'final_test_accuracy'", "'n/a' is not a number"]),
        ]
        for c in cases {
            let dir = try temporary("plot-bad") + "/sweep"
            try copy(Self.reference + "/subspace/d_int90.json", dir + "/d_int90.json")
            try c.csv.write(toFile: dir + "/sweep.csv", atomically: true, encoding: .utf8)
            let o = try CommandRunner.run(["plot", dir])
            XCTAssertEqual(o.status, 1, c.label)
            let err = lines(o.stderr)
            XCTAssertEqual(err.count, 1, "\(c.label): \(o.stderr)")
            XCTAssertTrue(err.first?.hasPrefix("intrinsic-dim plot: error: \(dir)/sweep.csv: ") ?? false, "\(c.label): \(o.stderr)")
            for m in c.mentions { XCTAssertTrue(o.stderr.contains(m), "\(c.label): '\(m)' not in \(o.stderr)") }
            XCTAssertEqual(o.stdout, "")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/figures"), c.label)
        }
    }

    func testFolderOfNoKnownKindFails() throws {
        let dir = try temporary("plot-none")
        try "x".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let o = try CommandRunner.run(["plot", dir])
        XCTAssertEqual(o.status, 1)
        XCTAssertEqual(lines(o.stderr).count, 1, o.stderr)
        XCTAssertTrue(o.stderr.contains("not an output folder of rank, sweep, compare or experiment"), o.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/figures"))
    }
}
