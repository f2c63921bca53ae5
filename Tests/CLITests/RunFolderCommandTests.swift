import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// `rank`, `compare` and `extract-lora` on the folders training writes
/// (`Tests/Fixtures/folders`): a `BertForSequenceClassification` run folder
/// (`bert.…`, `classifier.…`) against the bare `BertModel` it started from, with
/// numpy's singular values as the reference (PEFT's loading of the extracted
/// adapter: `Tests/Scripts/check_peft_reads_ours.py`).
final class RunFolderCommandTests: XCTestCase {
    static func folder(_ p: String) -> String { Fixtures.path("folders/" + p) }

    private func scratch(_ label: String) throws -> String {
        let dir = try Fixtures.temporaryDirectory(label)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    @discardableResult
    private func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandRunner.Output {
        let o = try CommandRunner.run(args)
        XCTAssertEqual(o.status, 0, "\(args.joined(separator: " ")):\n\(o.stderr)", file: file, line: line)
        return o
    }

    private func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// `rank --base BASE --tuned RUN --strict`: every matrix under its `bert.` name with numpy's σ, the
    /// classifier listed as skipped ("new head, no base tensor"), the rule in the provenance.
    func testRankOfRunFolderAgainstBareBase() throws {
        let out = try scratch("rank-run") + "/r"
        let o = try run(["rank", "--base", Self.folder("base"), "--tuned", Self.folder("run"), "--strict", "--out", out])
        XCTAssertTrue(o.stderr.contains("head-model prefix 'bert.'"), o.stderr)
        let rows = try Fixtures.parseCSV(String(contentsOfFile: out + "/rank_summary.csv", encoding: .utf8))
        XCTAssertEqual(rows.count, 16, "every 2-D tensor of the base")
        XCTAssertTrue(rows.allSatisfy { $0["tensor"]!.hasPrefix("bert.") })
        let expected = try Checkpoint.open(Self.folder("expected.safetensors"))
        let spectra = try Fixtures.parseCSV(String(contentsOfFile: out + "/spectra.csv", encoding: .utf8))
        for row in rows {
            let name = row["tensor"]!
            let want = try XCTUnwrap(expected["rank.sigma." + name], name).readDoubles()
            let got = spectra.filter { $0["tensor"] == name }.map { Double($0["sigma"]!)! }
            XCTAssertEqual(got.count, want.count, name)
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-9 * want[0], name) }
        }
        let doc = try json(out + "/rank_summary.json")
        let skipped = try XCTUnwrap(doc["skipped"] as? [[String: String]])
        XCTAssertEqual(skipped.filter { $0["tensor"]!.hasPrefix("classifier.") }.map { $0["reason"]! },
                       ["new head, no base tensor", "new head, no base tensor"])
        let options = try XCTUnwrap((doc["provenance"] as? [String: Any])?["options"] as? [String: String])
        XCTAssertTrue(options["name_rule"]?.contains("'bert.'") == true, "\(options)")
    }

    /// RUN vs RUN pairs as before (the classifier included, no rule recorded).
    func testRankOfTwoRunFolders() throws {
        let out = try scratch("rank-runs") + "/r"
        try run(["rank", "--base", Self.folder("run"), "--tuned", Self.folder("run2"), "--strict", "--out", out])
        let rows = try Fixtures.parseCSV(String(contentsOfFile: out + "/rank_summary.csv", encoding: .utf8))
        XCTAssertEqual(rows.count, 17, "the classifier too")
        XCTAssertTrue(rows.contains { $0["tensor"] == "classifier.weight" })
        let options = try XCTUnwrap((try json(out + "/rank_summary.json")["provenance"] as? [String: Any])?["options"] as? [String: String])
        XCTAssertNil(options["name_rule"])
    }

    /// `compare --base BASE --adapter ADAPTER --tuned RUN`: the PEFT SEQ_CLS adapter's modules (`bert.…`)
    /// meet the run's ΔW; captured energy equals numpy's.
    func testCompareSeqClsAdapterWithRunFolder() throws {
        let out = try scratch("compare-run") + "/c"
        try run(["compare", "--base", Self.folder("base"), "--adapter", Self.folder("adapter"), "--tuned", Self.folder("run"),
                 "--out", out])
        let rows = try Fixtures.parseCSV(String(contentsOfFile: out + "/compare_summary.csv", encoding: .utf8))
        XCTAssertEqual(rows.count, 4)
        let expected = try Checkpoint.open(Self.folder("expected.safetensors"))
        for row in rows {
            let module = try XCTUnwrap(row["module"])
            let want = try XCTUnwrap(expected["compare.captured." + module], module).readDoubles()[0]
            XCTAssertEqual(Double(try XCTUnwrap(row["captured_energy"]))!, want, accuracy: 1e-9, module)
        }
    }

    /// `extract-lora --base BASE --tuned RUN`: PEFT keys under the head model's names, the classifier saved
    /// whole (byte for byte) as modules_to_save, task_type SEQ_CLS from the run's config.json; our own
    /// reader takes the folder back.
    func testExtractLoRAFromRunFolderWritesSeqClsAdapter() throws {
        let out = try scratch("extract-run") + "/a"
        try run(["extract-lora", "--base", Self.folder("base"), "--tuned", Self.folder("run"), "--rank", "3", "--out", out])
        let config = try json(out + "/adapter_config.json")
        XCTAssertEqual(config["task_type"] as? String, "SEQ_CLS")
        XCTAssertEqual(config["modules_to_save"] as? [String], ["classifier"])
        let weights = try Checkpoint.open(out + "/adapter_model.safetensors")
        XCTAssertNotNil(weights["base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"])
        XCTAssertNotNil(weights["base_model.model.bert.embeddings.word_embeddings.lora_embedding_A"])
        XCTAssertFalse(weights.tensors.contains { $0.name.hasPrefix("base_model.model.encoder.") })
        let tuned = try Checkpoint.open(Self.folder("run"))
        for name in ["classifier.weight", "classifier.bias"] {
            let saved = try XCTUnwrap(weights["base_model.model." + name], name)
            XCTAssertEqual(saved.dtype, .f32)
            XCTAssertEqual(try saved.readDoubles(), try tuned[name]!.readDoubles(), name)
        }
        let adapter = try LoRAAdapter(path: out)
        XCTAssertEqual(adapter.fullTensors.map(\.target), ["classifier.bias", "classifier.weight"])
        XCTAssertTrue(adapter.fullTensors.allSatisfy { $0.role == .modulesToSave })
        let doc = try json(out + "/extraction.json")
        XCTAssertEqual(doc["modules_to_save_tensors"] as? [String], ["classifier.bias", "classifier.weight"])
        let notExtracted = try XCTUnwrap(doc["not_extracted"] as? [[String: String]])
        XCTAssertFalse(notExtracted.contains { $0["tensor"]!.hasPrefix("classifier.") })
        // Bound to the bare base, the adapter's modules find their tensors (by suffix) as PEFT finds them in the head model.
        XCTAssertEqual(try adapter.bind(to: Checkpoint.open(Self.folder("base"))).count, adapter.modules.count)
    }

    /// A run folder whose config.json is broken: one line naming the file, exit 1, no output folder.
    func testBrokenRunConfigIsOneLineAndWritesNothing() throws {
        let dir = try scratch("extract-badconfig")
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.folder("run/model.safetensors"), toPath: dir + "/run/model.safetensors")
        try "{\"architectures\": \"BertForSequenceClassification\"}".write(toFile: dir + "/run/config.json", atomically: true, encoding: .utf8)
        let o = try CommandRunner.run(["extract-lora", "--base", Self.folder("base"), "--tuned", dir + "/run", "--rank", "2",
                                       "--out", dir + "/out"])
        XCTAssertEqual(o.status, 1, o.stderr)
        let errors = o.stderr.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(errors.count, 1, o.stderr)
        XCTAssertTrue(errors.first?.contains(dir + "/run/config.json") == true && errors.first?.contains("'architectures'") == true, o.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
