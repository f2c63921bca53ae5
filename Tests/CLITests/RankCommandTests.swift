import Foundation
import XCTest
import _TestSupport

/// End-to-end tests of `intrinsic-dim rank`: the built executable is run on
/// the committed fixtures (and on small files written here) and its output
/// directory, exit status and stderr are checked against the command's spec.
final class RankCommandTests: XCTestCase {
    // MARK: - Constants of the spec and the fixtures

    /// The exact columns of rank_summary.csv.
    static let summaryColumns = [
        "tensor", "rows", "cols", "dtype", "fro_norm", "spectral_norm", "nuclear_norm", "stable_rank",
        "entropy_effective_rank", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95",
        "energy_rank_99", "rel_update", "noise_rank", "method", "top_k", "tail_energy", "beyond_k",
    ]
    /// The columns the numpy reference holds (the ones before --top-k's appended columns).
    static let metricColumns = Array(summaryColumns.prefix(16))
    static let integerColumns: Set<String> = [
        "rows", "cols", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95",
        "energy_rank_99", "noise_rank",
    ]
    static let realColumns = [
        "fro_norm", "spectral_norm", "nuclear_norm", "stable_rank", "entropy_effective_rank", "rel_update",
    ]
    /// The ≥2-D real tensors present in both f32 fixtures.
    static let matrixTensors: Set<String> = [
        "layers.0.exact_rank3.weight", "layers.0.geometric.weight", "layers.1.zero_update.weight",
        "layers.1.wide.weight", "conv1.weight",
    ]

    static var f32Base: String { Fixtures.path("rank/f32_base.safetensors") }
    static var f32Tuned: String { Fixtures.path("rank/f32_tuned.safetensors") }

    // MARK: - Helpers

    /// A fresh output directory path (inside a new temporary directory; not created).
    private func freshOut(_ label: String = "rank") throws -> String {
        let dir = try Fixtures.temporaryDirectory(label)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/out"
    }

    private func rank(base: String, tuned: String, out: String, _ extra: [String] = []) throws -> CommandRunner.Output {
        try CommandRunner.run(["rank", "--base", base, "--tuned", tuned, "--out", out] + extra)
    }

    private func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    private func describe(_ o: CommandRunner.Output) -> String {
        "status \(o.status)\n--- stderr ---\n\(o.stderr)--- stdout ---\n\(o.stdout)"
    }

    private func nonEmptyLines(_ s: String) -> [String] {
        s.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// Whether `line` names the tensor `name` (quoted in some way).
    private func namesTensor(_ line: String, _ name: String) -> Bool {
        ["'\(name)'", "\"\(name)\"", "`\(name)`", "‘\(name)’"].contains { line.contains($0) }
    }

    /// Checks the bad-input rules and returns the violated ones (empty when all hold):
    /// exit status in 1...125; exactly one non-warning stderr line, containing `error:`;
    /// no crash output; `out` absent or empty (no output file, no `.tmp-` file);
    /// the error line contains each string of `mentions` and names each tensor of `tensors`.
    private func badInputViolations(_ o: CommandRunner.Output, out: String, mentions: [String] = [],
                                    tensors: [String] = []) -> [String] {
        var problems: [String] = []
        if !(1...125).contains(o.status) { problems.append("exit status \(o.status) is not in 1...125") }
        let lines = nonEmptyLines(o.stderr)
        let errorLines = lines.filter { !$0.hasPrefix("warning:") }
        if errorLines.count != 1 {
            problems.append("expected exactly one non-warning stderr line, got \(errorLines.count)")
        }
        if !errorLines.allSatisfy({ $0.contains("error:") }) {
            problems.append("the error line does not contain 'error:'")
        }
        for crash in ["Fatal error", "Stack dump", "Current stack trace", "Backtrace", "Illegal instruction", "Segmentation fault"]
        where o.stderr.contains(crash) {
            problems.append("stderr contains crash output '\(crash)'")
        }
        if o.status >= 128 { problems.append("killed by a signal (status \(o.status))") }
        let errorLine = errorLines.first ?? ""
        for m in mentions where !errorLine.contains(m) {
            problems.append("the error line does not mention '\(m)'")
        }
        for t in tensors where !namesTensor(errorLine, t) {
            problems.append("the error line does not name tensor '\(t)'")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir) {
            if isDir.boolValue {
                let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? ["<unlistable>"]
                if !left.isEmpty { problems.append("--out holds files after a failure: \(left.sorted())") }
            } else {
                problems.append("--out was created as a regular file")
            }
        }
        return problems
    }

    private func assertBadInput(_ o: CommandRunner.Output, out: String, mentions: [String] = [], tensors: [String] = [],
                                file: StaticString = #filePath, line: UInt = #line) {
        let problems = badInputViolations(o, out: out, mentions: mentions, tensors: tensors)
        XCTAssert(problems.isEmpty, problems.joined(separator: "; ") + "\n" + describe(o), file: file, line: line)
    }

    /// A little-endian F32 safetensors file with one tensor, built from raw bytes.
    private func writeSafetensors(_ path: String, name: String, shape: [Int], values: [Float]) throws {
        precondition(shape.reduce(1, *) == values.count)
        let shapeText = shape.map(String.init).joined(separator: ",")
        var header = Array("{\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shapeText)],\"data_offsets\":[0,\(values.count * 4)]}}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Runs a successful analysis and returns its output directory and result.
    private func runOK(base: String = RankCommandTests.f32Base, tuned: String = RankCommandTests.f32Tuned,
                       _ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line)
        throws -> (out: String, output: CommandRunner.Output) {
        let out = try freshOut()
        let o = try rank(base: base, tuned: tuned, out: out, extra)
        XCTAssertEqual(o.status, 0, describe(o), file: file, line: line)
        return (out, o)
    }

    private func summaryRows(_ out: String) throws -> [[String: String]] {
        Fixtures.parseCSV(try read(out + "/rank_summary.csv"))
    }

    /// Asserts two rank_summary tables hold the same tensors with the same
    /// numbers (ranks, shapes and dtypes exactly).
    private func assertSameSummary(_ got: [[String: String]], _ expected: [[String: String]], rtol: Double,
                                   _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let g = Dictionary(got.map { ($0["tensor"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let e = Dictionary(expected.map { ($0["tensor"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(got.count, expected.count, "\(label): row count", file: file, line: line)
        XCTAssertEqual(Set(g.keys), Set(e.keys), "\(label): tensors", file: file, line: line)
        for (tensor, er) in e {
            guard let gr = g[tensor] else { continue }
            for c in Self.metricColumns where c != "tensor" {
                let ev = er[c], gv = gr[c]
                if Self.integerColumns.contains(c) || c == "dtype" {
                    XCTAssertEqual(gv, ev, "\(label): \(tensor).\(c)", file: file, line: line)
                } else if let gd = gv.flatMap(Double.init), let ed = ev.flatMap(Double.init) {
                    assertClose(gd, ed, rtol: rtol, "\(label): \(tensor).\(c)", file: file, line: line)
                } else {
                    XCTFail("\(label): \(tensor).\(c) not numeric: got \(gv ?? "nil"), expected \(ev ?? "nil")",
                            file: file, line: line)
                }
            }
        }
    }

    // MARK: - 1. Happy path

    func testF32PairMatchesReferenceValues() throws {
        let (out, o) = try runOK()
        guard o.status == 0 else { return }

        // rank_summary.csv: exact columns, the five matrices, numpy reference values.
        let summaryText = try read(out + "/rank_summary.csv")
        XCTAssertEqual(Fixtures.csvColumns(summaryText), Self.summaryColumns)
        let rows = Fixtures.parseCSV(summaryText)
        XCTAssertEqual(rows.count, 5, "one row per matrix tensor")
        XCTAssertEqual(Set(rows.compactMap { $0["tensor"] }), Self.matrixTensors)
        let expected = try Fixtures.csv("rank/expected_summary.csv").filter { $0["variant"] == "f32" }
        XCTAssertEqual(expected.count, 5, "fixture sanity")
        assertSameSummary(rows, expected, rtol: 1e-9, "f32 vs expected_summary.csv")

        // spectra.csv: one row per singular value.
        let spectraText = try read(out + "/spectra.csv")
        XCTAssertEqual(Fixtures.csvColumns(spectraText), ["tensor", "index", "sigma", "energy_cumulative"])
        let spectra = Fixtures.parseCSV(spectraText)
        var expectedCount: [String: Int] = [:]
        for r in expected {
            expectedCount[r["tensor"]!] = min(Int(r["rows"]!)!, Int(r["cols"]!)!)
        }
        XCTAssertEqual(spectra.count, expectedCount.values.reduce(0, +), "spectra rows = Σ min(rows, cols)")
        var gotCount: [String: Int] = [:]
        for r in spectra { gotCount[r["tensor"] ?? "", default: 0] += 1 }
        XCTAssertEqual(gotCount, expectedCount, "spectra rows per tensor")

        // vector_summary.csv: the 1-D bias.
        let vectors = Fixtures.parseCSV(try read(out + "/vector_summary.csv"))
        let expectedBias = try Fixtures.csv("rank/expected_vectors.csv").first { $0["variant"] == "f32" }!
        if let bias = vectors.first(where: { $0["tensor"] == "layers.0.bias" }) {
            for c in ["fro_norm", "rel_update"] {
                assertClose(Double(bias[c] ?? "") ?? .nan, Double(expectedBias[c]!)!, rtol: 1e-9, "layers.0.bias.\(c)")
            }
        } else {
            XCTFail("vector_summary.csv has no layers.0.bias row")
        }

        // rank_summary.json: parses; skipped tensors with reasons; provenance.
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/rank_summary.json"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertNotNil(json["provenance"], "rank_summary.json has provenance")
        let skipped = try XCTUnwrap(json["skipped"] as? [[String: Any]], "rank_summary.json has a skipped list")
        let skippedNames = Set(skipped.compactMap { $0["tensor"] as? String })
        for name in ["position_ids", "only_in_base.weight", "only_in_tuned.weight"] {
            XCTAssert(skippedNames.contains(name), "skipped list lacks \(name): \(skippedNames.sorted())")
        }
        for s in skipped {
            XCTAssertFalse(((s["reason"] as? String) ?? "").isEmpty, "skipped entry without a reason: \(s)")
        }
        XCTAssert(skippedNames.isDisjoint(with: Self.matrixTensors), "a matrix is listed as skipped")
        let rowArrays = json.values.compactMap { $0 as? [[String: Any]] }
        XCTAssert(rowArrays.contains { Set($0.compactMap { $0["tensor"] as? String }) == Self.matrixTensors },
                  "rank_summary.json has no list of the five matrix rows")

        // Warnings on stderr, and no error.
        let warnings = nonEmptyLines(o.stderr).filter { $0.hasPrefix("warning:") }
        XCTAssert(warnings.contains { $0.contains("only_in_base.weight") }, "no warning names only_in_base.weight:\n\(o.stderr)")
        XCTAssert(warnings.contains { $0.contains("position_ids") }, "no warning names position_ids:\n\(o.stderr)")
        XCTAssertFalse(o.stderr.contains("error:"), o.stderr)

        // No temporary files left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertFalse(left.contains { $0.contains(".tmp-") }, "leftover temporary files: \(left)")
    }

    // MARK: - 2. Sharded checkpoints

    func testShardedTunedCheckpointGivesSameSummary() throws {
        let (refOut, ref) = try runOK(["--jobs", "2"])
        guard ref.status == 0 else { return }
        let reference = try summaryRows(refOut)
        for tuned in [Fixtures.path("rank/sharded"), Fixtures.path("rank/sharded/model.safetensors.index.json")] {
            let (out, o) = try runOK(tuned: tuned, ["--jobs", "2"])
            guard o.status == 0 else { continue }
            assertSameSummary(try summaryRows(out), reference, rtol: 1e-12, "tuned = \(tuned)")
        }
    }

    // MARK: - 3. --include / --exclude

    func testIncludeKeepsOnlyMatchingTensors() throws {
        let (out, o) = try runOK(["--include", #"layers\.0\."#])
        guard o.status == 0 else { return }
        let names = try summaryRows(out).compactMap { $0["tensor"] }
        XCTAssertEqual(names.sorted(), ["layers.0.exact_rank3.weight", "layers.0.geometric.weight"])
    }

    func testExcludeDropsMatchingTensors() throws {
        let (out, o) = try runOK(["--exclude", "conv"])
        guard o.status == 0 else { return }
        let names = Set(try summaryRows(out).compactMap { $0["tensor"] })
        XCTAssertEqual(names, Self.matrixTensors.subtracting(["conv1.weight"]))
    }

    func testInvalidIncludeRegexFails() throws {
        let out = try freshOut()
        let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out, ["--include", "("])
        assertBadInput(o, out: out)
    }

    // MARK: - 4. --strict

    func testStrictFailsOnTensorPresentOnOneSideOnly() throws {
        let out = try freshOut()
        let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out, ["--strict"])
        assertBadInput(o, out: out, mentions: ["f32_base.safetensors"], tensors: ["only_in_base.weight"])
    }

    // MARK: - 5. Malformed-file corpus

    func testEveryMalformedFileIsRejectedCleanly() throws {
        let corpus = try XCTUnwrap(try Fixtures.json("malformed/expected_errors.json") as? [String: [String: Any]])
        XCTAssertGreaterThan(corpus.count, 30, "fixture sanity")
        var failures: [String] = []
        for name in corpus.keys.sorted() {
            let entry = corpus[name]!
            let code = entry["code"] as? String ?? "?"
            let path = Fixtures.path("malformed/" + name)
            let tuned = code == "nonFinite" ? path : Self.f32Tuned
            var tensors: [String] = []
            if let t = entry["tensor"] as? String { tensors.append(t) }
            if code == "nonFinite" && !tensors.contains("w") { tensors.append("w") }
            let out = try freshOut("malformed")
            let o = try rank(base: path, tuned: tuned, out: out)
            let problems = badInputViolations(o, out: out, mentions: [name], tensors: tensors)
            if !problems.isEmpty {
                failures.append("\(name) (\(code)): " + problems.joined(separator: "; ")
                                + " [status \(o.status), stderr: \(o.stderr.trimmingCharacters(in: .whitespacesAndNewlines))]")
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) malformed file(s) mishandled:\n" + failures.joined(separator: "\n"))
    }

    // MARK: - 6. Shape mismatch

    func testShapeMismatchFails() throws {
        let dir = try Fixtures.temporaryDirectory("shape")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let a = dir + "/a.safetensors", b = dir + "/b.safetensors"
        try writeSafetensors(a, name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        try writeSafetensors(b, name: "w", shape: [3, 2], values: [1, 2, 3, 4, 5, 7])
        let out = dir + "/out"
        let o = try rank(base: a, tuned: b, out: out)
        assertBadInput(o, out: out, mentions: ["a.safetensors", "b.safetensors"], tensors: ["w"])
        let errorLine = nonEmptyLines(o.stderr).first { !$0.hasPrefix("warning:") } ?? ""
        let compact = errorLine.replacingOccurrences(of: " ", with: "")
        for (r, c) in [(2, 3), (3, 2)] {
            let forms = ["[\(r),\(c)]", "(\(r),\(c))", "\(r)x\(c)", "\(r)×\(c)"]
            XCTAssert(forms.contains { compact.contains($0) }, "error line does not give shape \(r)×\(c): \(errorLine)")
        }
    }

    // MARK: - 7. Missing input

    func testMissingBaseFileFails() throws {
        let dir = try Fixtures.temporaryDirectory("missing")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let missing = dir + "/does-not-exist.safetensors"
        let out = dir + "/out"
        let o = try rank(base: missing, tuned: Self.f32Tuned, out: out)
        assertBadInput(o, out: out, mentions: [missing])
    }

    // MARK: - 8. --out is a regular file

    func testOutputPathThatIsAFileFailsAndLeavesItUnchanged() throws {
        let dir = try Fixtures.temporaryDirectory("outfile")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/occupied"
        let content = Data("do not touch\n".utf8)
        try content.write(to: URL(fileURLWithPath: out))
        let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out)
        XCTAssertNotEqual(o.status, 0, describe(o))
        XCTAssert((1...125).contains(o.status), describe(o))
        let errorLines = nonEmptyLines(o.stderr).filter { !$0.hasPrefix("warning:") }
        XCTAssertEqual(errorLines.count, 1, describe(o))
        XCTAssert(errorLines.allSatisfy { $0.contains("error:") }, describe(o))
        XCTAssertFalse(o.stderr.contains("Fatal error") || o.stderr.contains("Stack dump"), describe(o))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), content, "--out file was modified")
        let siblings = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(siblings, ["occupied"], "files were created beside --out")
    }

    // MARK: - 9. Determinism across --jobs

    func testJobsDoNotChangeOutput() throws {
        let (out1, o1) = try runOK(["--jobs", "1"])
        let (out2, o2) = try runOK(["--jobs", "2"])
        guard o1.status == 0, o2.status == 0 else { return }
        for name in ["rank_summary.csv", "spectra.csv"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: out1 + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: out2 + "/" + name))
            XCTAssertFalse(a.isEmpty, name)
            XCTAssertEqual(a, b, "\(name) differs between --jobs 1 and --jobs 2")
        }
    }

    // MARK: - 10. --vectors

    func testVectorsWritesSafetensorsFile() throws {
        let (out, o) = try runOK(["--vectors", "2"])
        guard o.status == 0 else { return }
        let path = out + "/vectors.safetensors"
        XCTAssert(FileManager.default.fileExists(atPath: path), "vectors.safetensors not written")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertGreaterThan(bytes.count, 9)
        guard bytes.count > 9 else { return }
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        XCTAssertGreaterThan(n, 1, "header length")
        XCTAssertLessThanOrEqual(n, UInt64(bytes.count - 8), "header length \(n) runs past the end of a \(bytes.count)-byte file")
        XCTAssertEqual(bytes[8], UInt8(ascii: "{"), "header does not start with '{'")
        if n <= UInt64(bytes.count - 8) {
            let header = Data(bytes[8..<(8 + Int(n))])
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: header), "header is not JSON")
        }
        // Without --vectors, no vectors file.
        let (plainOut, plain) = try runOK()
        if plain.status == 0 {
            XCTAssertFalse(FileManager.default.fileExists(atPath: plainOut + "/vectors.safetensors"),
                           "vectors.safetensors written without --vectors")
        }
    }

    // MARK: - 11. Bad flags

    func testInvalidFlagValuesExit64() throws {
        for flags in [["--jobs", "0"], ["--vectors=-1"]] {
            let out = try freshOut()
            let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out, flags)
            XCTAssertEqual(o.status, 64, "\(flags): " + describe(o))
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/rank_summary.csv"), "\(flags): output written")
            XCTAssertFalse(o.stderr.contains("Fatal error"), describe(o))
        }
    }

    // MARK: - 12. --top-k

    func testTopKRandomizedWritesBeyondKColumns() throws {
        let out = try freshOut()
        let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out,
                         ["--top-k", "2", "--method", "randomized", "--vectors", "2"])
        XCTAssertEqual(o.status, 0, describe(o))
        let rows = Fixtures.parseCSV(try read(out + "/rank_summary.csv"))
        let geometric = try XCTUnwrap(rows.first { $0["tensor"] == "layers.0.geometric.weight" })
        XCTAssertEqual(geometric["method"], "randomized")
        XCTAssertEqual(geometric["top_k"], "2")
        XCTAssertEqual(geometric["energy_rank_90"], "2")
        XCTAssertEqual(geometric["energy_rank_99"], "")
        XCTAssertTrue(geometric["beyond_k"]!.split(separator: ";").contains("energy_rank_99"))
        let spectra = Fixtures.parseCSV(try read(out + "/spectra.csv"))
        XCTAssertEqual(spectra.filter { $0["tensor"] == "layers.0.geometric.weight" }.count, 2)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/rank_summary.json"))) as? [String: Any])
        let options = try XCTUnwrap((json["provenance"] as? [String: Any])?["options"] as? [String: String])
        XCTAssertEqual(options["method"], "randomized")
        XCTAssertEqual(options["power_iterations"], "2")
        XCTAssertEqual(options["oversampling"], "10")
        XCTAssertEqual(options["randomized_precision"], "float64")
    }

    func testTopKFloat32IsRecordedAndCloseToFloat64() throws {
        var σ: [[String: Double]] = []
        for precision in ["float64", "float32"] {
            let out = try freshOut()
            let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out,
                             ["--top-k", "2", "--method", "randomized", "--randomized-precision", precision])
            XCTAssertEqual(o.status, 0, describe(o))
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/rank_summary.json"))) as? [String: Any])
            let options = try XCTUnwrap((json["provenance"] as? [String: Any])?["options"] as? [String: String])
            XCTAssertEqual(options["randomized_precision"], precision)
            var values: [String: Double] = [:]
            for row in Fixtures.parseCSV(try read(out + "/spectra.csv")) {
                values[row["tensor"]! + "#" + row["index"]!] = Double(row["sigma"]!)!
            }
            σ.append(values)
        }
        XCTAssertEqual(Set(σ[0].keys), Set(σ[1].keys))
        XCTAssertFalse(σ[0].isEmpty)
        for (key, d) in σ[0] { XCTAssertEqual(σ[1][key]!, d, accuracy: 1e-5 * max(d, 1e-30), key) }
    }

    func testTopKBadValues() throws {
        for flags in [["--top-k", "0"], ["--method", "randomized"], ["--top-k", "2", "--vectors", "3"],
                      ["--top-k", "2", "--power-iterations=-1"], ["--top-k", "2", "--method", "fast"],
                      ["--top-k", "2", "--randomized-precision", "float16"]] {
            let out = try freshOut()
            let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out, flags)
            XCTAssertEqual(o.status, 64, "\(flags): " + describe(o))
            XCTAssertEqual(nonEmptyLines(o.stderr).filter { $0.hasPrefix("Error:") }.count, 1, describe(o))
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/rank_summary.csv"), "\(flags): output written")
        }
        // Above min(rows, cols) of every matrix (the largest is 64×48): known only once the files are read.
        let out = try freshOut()
        let o = try rank(base: Self.f32Base, tuned: Self.f32Tuned, out: out, ["--top-k", "49"])
        assertBadInput(o, out: out, mentions: ["--top-k 49", "48"])
    }
}
