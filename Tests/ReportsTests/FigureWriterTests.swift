import CheckpointIO
import Foundation
import Reports
import XCTest
import _TestSupport

/// The figures of `FigureWriter`, read back: each mark's pixel coordinates are inverted through
/// the axis transform written in its SVG and compared with values this test computes itself
/// from the CSV files it wrote.
final class FigureWriterTests: XCTestCase {
    private func folder(_ files: [String: String]) throws -> String {
        let dir = try Fixtures.temporaryDirectory("plot")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    private func figure(_ figures: [RenderedFigure], _ name: String) throws -> SVGReader {
        let f = try XCTUnwrap(figures.first { $0.name == name }, "no \(name) among \(figures.map(\.name))")
        return try SVGReader(svg: f.svg)
    }

    // MARK: - Sweep data written here

    /// Accuracies: d = 10, 100, 1000 (and 0 = full training) over seeds 0–2, one diverged run.
    static let sweepCSV = """
        d,seed,projection,status,best_test_accuracy,final_test_accuracy,epochs,seconds,mode,rank,trainable_parameters
        0,0,none,ok,0.99,0.98,2,1.0,full,,1000
        0,1,none,ok,0.97,0.96,2,1.0,full,,1000
        10,0,fastfood,ok,0.5,0.41,2,1.0,subspace,,10
        10,1,fastfood,ok,0.5,0.47,2,1.0,subspace,,10
        10,2,fastfood,diverged,nan,nan,1,1.0,subspace,,10
        100,0,fastfood,ok,0.9,0.83,2,1.0,subspace,,100
        100,1,fastfood,ok,0.9,0.87,2,1.0,subspace,,100
        100,2,fastfood,ok,0.9,0.88,2,1.0,subspace,,100
        1000,0,fastfood,ok,0.95,0.93,2,1.0,subspace,,1000
        1000,1,fastfood,ok,0.95,0.95,2,1.0,subspace,,1000

        """
    static let sweepJSON = """
        {"threshold": 0.9, "accuracy": "final", "baseline_accuracy": 0.97, "absolute_baseline": 1,
         "target_accuracy": 0.873, "target_accuracy_absolute": 0.9, "d_int90": 100, "d_int90_absolute": 1000,
         "size_axis": "d", "r_int90": null, "r_int90_absolute": null, "dimensions": []}
        """

    func testSweepFigureCarriesEveryRunTheMeansAndBothNinetyPercentLines() throws {
        let dir = try folder(["sweep.csv": Self.sweepCSV, "d_int90.json": Self.sweepJSON])
        let figures = try FigureWriter.render(directory: dir)
        XCTAssertEqual(figures.map(\.name), ["accuracy_vs_d.svg"])
        let svg = try figure(figures, "accuracy_vs_d.svg")
        // The test's own per-d means of the ok runs' final accuracy.
        let rows = Fixtures.parseCSV(Self.sweepCSV).filter { $0["status"] == "ok" && $0["d"] != "0" }
        var sums: [Double: (Double, Int)] = [:]
        for r in rows { let d = Double(r["d"]!)!; sums[d, default: (0, 0)].0 += Double(r["final_test_accuracy"]!)!; sums[d]!.1 += 1 }
        let means = sums.mapValues { $0.0 / Double($0.1) }
        let meanPoints = svg.marks("point", series: "mean")
        XCTAssertEqual(meanPoints.count, means.count)
        for p in meanPoints {
            let x = try XCTUnwrap(p.xAxis), y = try XCTUnwrap(p.yAxis)
            XCTAssertTrue(x.log)
            let d = x.value(try XCTUnwrap(p.number("cx")))
            let nearest = try XCTUnwrap(means.keys.min { abs($0 - d) < abs($1 - d) })
            assertClose(d, nearest, rtol: 1e-6, "mean point's d")
            assertClose(y.value(try XCTUnwrap(p.number("cy"))), means[nearest]!, rtol: 1e-6, "mean at d = \(nearest)")
        }
        // The mean polyline passes through the same means, by increasing d.
        let line = try XCTUnwrap(svg.marks("line", series: "mean").first)
        let pts = SVGReader.points(line)
        XCTAssertEqual(pts.count, 3)
        for (p, d) in zip(pts, means.keys.sorted()) {
            assertClose(line.xAxis!.value(p.0), d, rtol: 1e-6, "line d")
            assertClose(line.yAxis!.value(p.1), means[d]!, rtol: 1e-6, "line mean")
        }
        // Every ok run is a point at its own (d, accuracy); the diverged run and the baselines are not.
        let runs = svg.marks("point", series: "run")
        XCTAssertEqual(runs.count, rows.count)
        for (p, r) in zip(runs, rows) {
            assertClose(p.xAxis!.value(p.number("cx")!), Double(r["d"]!)!, rtol: 1e-6, "run d")
            assertClose(p.yAxis!.value(p.number("cy")!), Double(r["final_test_accuracy"]!)!, rtol: 1e-6, "run accuracy")
            XCTAssertEqual(p.attributes["data-seed"], r["seed"])
        }
        // Horizontal references at the baseline mean and both targets; vertical ones at both d_int90.
        func horizontal(_ series: String) throws -> Double {
            let l = try XCTUnwrap(svg.marks("reference", series: series).first, series)
            XCTAssertEqual(l.number("y1"), l.number("y2"))
            return l.yAxis!.value(l.number("y1")!)
        }
        assertClose(try horizontal("baseline"), (0.98 + 0.96) / 2, rtol: 1e-6, "baseline mean")
        assertClose(try horizontal("target"), 0.873, rtol: 1e-6, "target")
        assertClose(try horizontal("target-absolute"), 0.9, rtol: 1e-6, "absolute target")
        for (series, d) in [("int90", 100.0), ("int90-absolute", 1000.0)] {
            let l = try XCTUnwrap(svg.marks("reference", series: series).first, series)
            assertClose(l.xAxis!.value(l.number("x1")!), d, rtol: 1e-6, series)
        }
        XCTAssertTrue(svg.elements.contains { $0.cssClass == "caption" && $0.text.contains("1 diverged run not shown") })
    }

    func testLoRASweepIsDrawnAgainstTheRank() throws {
        let csv = Self.sweepCSV.replacingOccurrences(of: "subspace", with: "lora")
        let json = Self.sweepJSON.replacingOccurrences(of: "\"size_axis\": \"d\", \"r_int90\": null", with: "\"size_axis\": \"rank\", \"r_int90\": 100")
        let figures = try FigureWriter.render(directory: try folder(["sweep.csv": csv, "d_int90.json": json]))
        XCTAssertEqual(figures.map(\.name), ["accuracy_vs_rank.svg"])
        let svg = try SVGReader(svg: figures[0].svg)
        XCTAssertTrue(svg.elements.contains { $0.cssClass == "axis-title" && $0.text == "LoRA rank r (log scale)" })
        XCTAssertTrue(svg.marks("reference-label", series: "int90").first?.text.hasPrefix("r_int90 = 100") ?? false)
    }

    // MARK: - Spectra and φ

    static let rankSummary = "tensor,rows,cols,dtype,fro_norm\n"

    func testSpectraPointsInvertToIndexAndSigmaAndTheLargestTensorsAreChosen() throws {
        // Eight tensors; tensor k has σ_i = (k + 1)·2^(−i), i = 1…5 (so ‖ΔW‖_F grows with k).
        var spectra = "tensor,index,sigma,energy_cumulative\n"
        var expected: [String: [(Int, Double, Double)]] = [:]
        for k in 0..<8 {
            let name = k == 7 ? "layer<7>&\"x\"" : "layer.\(k).weight"
            let sigma = (1...5).map { Double(k + 1) * pow(2, -Double($0)) }
            let total = sigma.map { $0 * $0 }.reduce(0, +)
            var acc = 0.0
            for (i, s) in sigma.enumerated() {
                acc += s * s
                expected[name, default: []].append((i + 1, s, acc / total))
                spectra += "\(k == 7 ? "\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"" : name),\(i + 1),\(s),\(acc / total)\n"
            }
        }
        let dir = try folder(["rank_summary.csv": Self.rankSummary, "spectra.csv": spectra])
        let figures = try FigureWriter.render(directory: dir, options: .init(maxTensors: 3))
        let svg = try figure(figures, "spectra.svg")
        let drawn = Set(svg.marks("line").compactMap { $0.attributes["data-tensor"] })
        XCTAssertEqual(drawn, ["layer.5.weight", "layer.6.weight", "layer<7>&\"x\""], "the three largest updates")
        for line in svg.marks("line") {
            let tensor = line.attributes["data-tensor"]!
            let panel = line.plotArea!["data-panel"]!
            let pts = SVGReader.points(line)
            XCTAssertEqual(pts.count, 5)
            for (p, e) in zip(pts, expected[tensor]!) {
                XCTAssertEqual(line.xAxis!.value(p.0), Double(e.0), accuracy: 1e-6 * Double(e.0))
                assertClose(line.yAxis!.value(p.1), panel.hasPrefix("sigma") ? e.1 : e.2, rtol: 1e-6, "\(panel) i=\(e.0)")
            }
            XCTAssertEqual(line.plotArea!["data-y-scale"], panel.hasPrefix("sigma") ? "log" : "linear")
        }
        // --tensors picks exactly those; an unknown name is an error naming it and the file.
        let chosen = try FigureWriter.render(directory: dir, options: .init(tensors: ["layer.0.weight"]))
        XCTAssertEqual(Set(try SVGReader(svg: chosen[0].svg).marks("line").compactMap { $0.attributes["data-tensor"] }), ["layer.0.weight"])
        XCTAssertThrowsError(try FigureWriter.render(directory: dir, options: .init(tensors: ["nope"]))) { error in
            XCTAssertTrue("\(error)".hasPrefix(dir + "/spectra.csv: tensor 'nope': not in this file"), "\(error)")
        }
    }

    func testHeatmapCellsHoldTheCSVValuesAtTheirPositions() throws {
        // φ(i, j) = (i + 2j) / 40 for i ≤ 3, j ≤ 5, on both sides, with chance level max(i, j)/50.
        var csv = "tensor,side,i,j,phi,comparison,phi_random_expected\n"
        var values: [String: Double] = [:]
        for side in ["left", "right"] {
            for i in 1...3 {
                for j in 1...5 {
                    let phi = Double(i + 2 * j) / 40 + (side == "right" ? 0.5 : 0)
                    values["\(side)|lora_full|\(i)|\(j)"] = phi
                    values["\(side)|expected|\(i)|\(j)"] = Double(max(i, j)) / 50
                    csv += "\"a,b<c>\",\(side),\(i),\(j),\(phi),lora_full,\(Double(max(i, j)) / 50)\n"
                }
            }
        }
        let dir = try folder(["subspace_similarity.csv": csv, "compare_summary.csv": "tensor\n"])
        let figures = try FigureWriter.render(directory: dir)
        XCTAssertEqual(figures.map(\.name), ["similarity_a_b_c_.svg"])
        let svg = try SVGReader(svg: figures[0].svg)
        let cells = svg.marks("cell")
        XCTAssertEqual(cells.count, values.count)
        for c in cells {
            let i = Int(c.attributes["data-i"]!)!, j = Int(c.attributes["data-j"]!)!
            let panel = c.plotArea!["data-panel"]!
            XCTAssertEqual(c.number("data-value"), values["\(panel)|\(i)|\(j)"], "\(panel) (\(i), \(j))")
            let (x, y) = (c.number("x")! + c.number("width")! / 2, c.number("y")! + c.number("height")! / 2)
            XCTAssertEqual(c.xAxis!.value(x), Double(j), accuracy: 1e-6, "column of (\(i), \(j))")
            XCTAssertEqual(c.yAxis!.value(y), Double(i), accuracy: 1e-6, "row of (\(i), \(j))")
        }
        // i grows downwards.
        let top = svg.marks("cell").filter { $0.attributes["data-i"] == "1" }.map { $0.number("y")! }.min()!
        let bottom = svg.marks("cell").filter { $0.attributes["data-i"] == "3" }.map { $0.number("y")! }.min()!
        XCTAssertLessThan(top, bottom)
        XCTAssertTrue(svg.elements.contains { $0.name == "title" && $0.text.contains("a,b<c>") })
        // A file without the phi_basis column (written before it existed) is on ΔW's singular vectors.
        let basis = try XCTUnwrap(svg.elements.first { $0.cssClass == "basis" })
        XCTAssertEqual(basis.attributes["data-basis"], "delta")
        XCTAssertTrue(basis.text.contains("ΔW = s·B·A's singular vectors"), basis.text)
    }

    /// `phi_basis` reaches the caption, the `<title>` and the column titles; a value other than
    /// `delta` or `a`, or two bases in one grid, is an error naming the file, line and column.
    func testHeatmapNamesThePhiBasis() throws {
        let header = "tensor,side,i,j,phi,comparison,phi_random_expected,phi_basis\n"
        let rows = (1...2).map { i in "w,right,\(i),1,0.5,lora_lora2,0.1,a\nw,right,\(i),1,0.2,random,0.1,a\n" }.joined()
        let dir = try folder(["subspace_similarity.csv": header + rows, "compare_summary.csv": "tensor\n"])
        let svg = try SVGReader(svg: try FigureWriter.render(directory: dir)[0].svg)
        let basis = try XCTUnwrap(svg.elements.first { $0.cssClass == "basis" })
        XCTAssertEqual(basis.attributes["data-basis"], "a")
        XCTAssertTrue(basis.text.contains("A's right singular vectors (Hu et al. 2021, eq. 4)"), basis.text)
        XCTAssertTrue(svg.elements.contains { $0.name == "title" && $0.text.contains("on A's right singular vectors") })
        XCTAssertTrue(svg.elements.contains { $0.cssClass == "column-title" && $0.text == "A₁ vs A₂" })
        XCTAssertEqual(Set(svg.plotAreas.compactMap { $0.attributes["data-panel"] }), ["right|lora_lora2", "right|random"])

        for (bad, mention) in [(rows.replacingOccurrences(of: ",a\n", with: ",b\n"), "'b' is neither 'delta' nor 'a'"),
                               (rows + "w,right,3,1,0.5,lora_lora2,0.1,delta\n", "'delta' in a grid (w, right, lora_lora2) of basis 'a'")] {
            let d = try folder(["subspace_similarity.csv": header + bad, "compare_summary.csv": "tensor\n"])
            XCTAssertThrowsError(try FigureWriter.render(directory: d)) { error in
                XCTAssertTrue("\(error)".contains(d + "/subspace_similarity.csv") && "\(error)".contains("column 'phi_basis'")
                              && "\(error)".contains(mention), "\(error)")
            }
        }
    }

    // MARK: - Experiment

    func testExperimentPointsAndErrorBarsInvertToTheCSV() throws {
        let csv = """
            mode,size,trainable_parameters,runs,mean_accuracy,std_accuracy,fraction_of_full
            full,5000,5000,2,0.95,0.01,1.0
            subspace,20,20,2,0.3,0.05,0.3
            subspace,200,200,2,0.8,0.02,0.8
            lora,1,150,2,0.85,0.03,0.9
            lora,4,600,2,0.9,,0.95
            adapter,2,300,2,0.7,0.1,0.7
            extracted_energy,80,420,2,0.6,0.1,0.63

            """
        let dir = try folder(["experiment.csv": csv, "experiment.json": "{\"threshold\": 0.8}"])
        let figures = try FigureWriter.render(directory: dir)
        XCTAssertEqual(figures.map(\.name), ["accuracy_vs_parameters.svg"])
        let svg = try SVGReader(svg: figures[0].svg)
        let rows = Fixtures.parseCSV(csv)
        let points = svg.marks("point")
        XCTAssertEqual(points.count, rows.count)
        for r in rows {
            let mode = r["mode"]!
            let p = try XCTUnwrap(points.first { $0.attributes["data-series"] == mode && $0.attributes["data-size"] == r["size"] }, "\(mode) \(r["size"]!)")
            assertClose(p.xAxis!.value(p.number("data-cx")!), Double(r["trainable_parameters"]!)!, rtol: 1e-6, "\(mode) parameters")
            assertClose(p.yAxis!.value(p.number("data-cy")!), Double(r["mean_accuracy"]!)!, rtol: 1e-6, "\(mode) mean")
            let bars = svg.marks("error-bar", series: mode).filter { abs($0.number("x1")! - p.number("data-cx")!) < 1e-9 }
            if let std = Double(r["std_accuracy"]!) {
                let bar = try XCTUnwrap(bars.first, "error bar of \(mode) \(r["size"]!)")
                assertClose(bar.yAxis!.value(bar.number("y1")!), Double(r["mean_accuracy"]!)! - std, rtol: 1e-6, "mean − std")
                assertClose(bar.yAxis!.value(bar.number("y2")!), Double(r["mean_accuracy"]!)! + std, rtol: 1e-6, "mean + std")
            } else {
                XCTAssertTrue(bars.isEmpty, "no std, no bar")
            }
        }
        let target = try XCTUnwrap(svg.marks("reference", series: "target").first)
        assertClose(target.yAxis!.value(target.number("y1")!), 0.8 * 0.95, rtol: 1e-6, "threshold × full")
        XCTAssertEqual(Set(svg.marks("legend-label").map(\.text)), ["full fine-tune", "random subspace (d)", "LoRA (rank r)", "adapter",
                                                                    "ΔW_full at 80 % energy"])
    }

    // MARK: - Bad input

    func testMalformedSweepNamesFileAndColumnAndWritesNothing() throws {
        let cases: [(String, String)] = [
            (Self.sweepCSV.replacingOccurrences(of: "final_test_accuracy", with: "final_acc"), "column 'final_test_accuracy' is missing"),
            (Self.sweepCSV.replacingOccurrences(of: "0.87", with: "zero"), "line 8: column 'final_test_accuracy': 'zero' is not a number"),
        ]
        for (csv, message) in cases {
            let dir = try folder(["sweep.csv": csv, "d_int90.json": Self.sweepJSON])
            XCTAssertThrowsError(try FigureWriter.draw(directory: dir)) { error in
                XCTAssertTrue("\(error)".hasPrefix(dir + "/sweep.csv: "), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/figures"))
        }
        let unknown = try folder(["notes.txt": "hello"])
        XCTAssertThrowsError(try FigureWriter.draw(directory: unknown)) { error in
            XCTAssertTrue("\(error)".contains("not an output folder of rank, sweep, compare or experiment"), "\(error)")
        }
        let badJSON = try folder(["sweep.csv": Self.sweepCSV, "d_int90.json": "{\"target_accuracy\": \"high\"}"])
        XCTAssertThrowsError(try FigureWriter.draw(directory: badJSON)) { error in
            XCTAssertEqual("\(error)", badJSON + "/d_int90.json: key 'target_accuracy': expected a number or null")
        }
    }

    func testDrawWritesEveryFigureAtomicallyAndReturnsThePaths() throws {
        let dir = try folder(["sweep.csv": Self.sweepCSV, "d_int90.json": Self.sweepJSON])
        let out = dir + "/figs/nested"
        let paths = try FigureWriter.draw(directory: dir, into: out)
        XCTAssertEqual(paths, [out + "/accuracy_vs_d.svg"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["accuracy_vs_d.svg"], "no temporary file left")
        _ = try SVGReader(path: paths[0])
    }
}
