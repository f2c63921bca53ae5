import Foundation
import XCTest
import _TestSupport

/// `intrinsic-dim sweep --model DIR` on the tiny encoder and the hand-made task of
/// ``TinyTextTask``: each run of a SAID sweep over learning rates and of a LoRA rank sweep is
/// the `train --model DIR` run of the same options byte for byte (weights, θ_d, adapter,
/// predictions; metrics but their wall time); shards merge into the one-machine sweep;
/// sweep.csv and d_int90.json carry lr, macro-F1 and the majority floor; a resumed sweep with
/// other encoder options and impossible options are one-line errors.
final class EncoderSweepCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try TinyTextTask.make(train: 24, test: 12) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    var common: [String] {
        ["--model", dir, "--dataset", dir + "/train.tsv", "--test-dataset", dir + "/test.tsv", "--epochs", "2", "--batch-size", "8",
         "--max-length", "16", "--warmup-ratio", "0.1", "--threads", "1"]
    }

    func file(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// metrics.csv without its wall-time column.
    func metrics(_ run: String) throws -> [[String: String]] {
        var rows = Fixtures.parseCSV(try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8))
        for i in rows.indices { rows[i]["seconds"] = nil }
        return rows
    }

    /// sweep.csv without its wall-time column, and d_int90.json.
    func results(_ out: String) throws -> (rows: [[String: String]], json: String) {
        var rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8))
        for i in rows.indices { rows[i]["seconds"] = nil }
        return (rows, try String(contentsOfFile: out + "/d_int90.json", encoding: .utf8))
    }

    func assertSameRun(_ a: String, _ b: String, files: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for f in files + ["model.safetensors", "predictions.csv", "config.json"] {
            XCTAssertEqual(try self.file(a + "/" + f), try self.file(b + "/" + f), "\(a) vs \(b): \(f)", file: file, line: line)
        }
        XCTAssertEqual(try metrics(a), try metrics(b), file: file, line: line)
    }

    func testSubspaceSweepRunsAreTrainRunsAndShardsMerge() throws {
        let args = ["sweep"] + common + ["--d", "120,60", "--lrs", "0.03,0.01", "--seeds", "1", "--baseline-lr", "3e-3",
                                         "--threshold", "0.5", "--bootstrap", "20"]
        let out = dir + "/sweep"
        let r = try CommandRunner.run(args + ["--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("majority-class floor 0.3333"), r.stderr)
        let rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8))
        XCTAssertEqual(rows.map { $0["d"]! }, ["0", "60", "60", "120", "120"])
        XCTAssertEqual(rows.map { $0["lr"]! }, ["0.003", "0.01", "0.03", "0.01", "0.03"])
        XCTAssertEqual(Set(rows.map { $0["majority_test_accuracy"]! }), [String(1.0 / 3)])
        XCTAssertTrue(rows.allSatisfy { Double($0["final_test_macro_f1"]!) != nil && Double($0["best_test_macro_f1"]!) != nil })
        XCTAssertEqual(rows.map { $0["projection"]! }, ["none"] + Array(repeating: "fastfood", count: 4))

        // The runs are `train` runs: SAID (per-tensor Fastfood), P seeded by the run's seed.
        let t1 = dir + "/train-d60"
        XCTAssertEqual(try CommandRunner.run(["train"] + common + ["--mode", "subspace", "--d", "60", "--lr", "0.03", "--seed", "0",
                                                                   "--out", t1]).status, 0)
        try assertSameRun(out + "/runs/d60-lr0.03-seed0", t1, files: ["theta_d.npy", "projection.json"])
        let t0 = dir + "/train-full"
        XCTAssertEqual(try CommandRunner.run(["train"] + common + ["--mode", "full", "--lr", "3e-3", "--seed", "0", "--out", t0]).status, 0)
        try assertSameRun(out + "/runs/full-seed0", t0, files: [])

        // d_int90.json: per d the chosen rate (the best mean over the seeds; one seed here) and every rate's mean.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: file(out + "/d_int90.json")) as? [String: Any])
        XCTAssertEqual(json["majority_test_accuracy"] as? Double, 1.0 / 3)
        let dims = try XCTUnwrap(json["dimensions"] as? [[String: Any]])
        func mean(_ d: String, _ lr: String) -> Double {
            rows.filter { $0["d"] == d && $0["lr"] == lr }.map { Double($0["final_test_accuracy"]!)! }.reduce(0, +)
        }
        for (k, d) in ["60", "120"].enumerated() {
            let best = mean(d, "0.03") > mean(d, "0.01") ? 0.03 : 0.01
            XCTAssertEqual(dims[k + 1]["lr"] as? Double, best, d)
            let search = try XCTUnwrap(dims[k + 1]["lr_search"] as? [[String: Any]])
            XCTAssertEqual(search.map { $0["lr"] as? Double }, [0.01, 0.03])
            XCTAssertEqual(search[0]["mean_accuracy"] as? Double ?? -1, mean(d, "0.01"), accuracy: 1e-12)
        }

        // Two shards merge into the one-machine sweep.
        for k in 1...2 {
            let s = try CommandRunner.run(args + ["--shard", "\(k)/2", "--out", dir + "/shard\(k)"])
            XCTAssertEqual(s.status, 0, s.stderr)
        }
        let m = try CommandRunner.run(["sweep", "merge", dir + "/shard1", dir + "/shard2", "--threshold", "0.5", "--bootstrap", "20",
                                       "--out", dir + "/merged"])
        XCTAssertEqual(m.status, 0, m.stderr)
        let a = try results(out), b = try results(dir + "/merged")
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertEqual(a.json, b.json)
        XCTAssertEqual(try file(out + "/runs/d120-lr0.01-seed0/model.safetensors"), try file(dir + "/merged/runs/d120-lr0.01-seed0/model.safetensors"))

        // Resuming with another encoder option is one line naming it; nothing changes.
        let before = try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8)
        let other = try CommandRunner.run(args.map { $0 == "0.1" ? "0.2" : $0 } + ["--out", out])
        XCTAssertEqual(other.status, 1)
        let line = other.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(line.split(separator: "\n").count, 1, line)
        XCTAssertTrue(line.contains("--warmup-ratio: journal has 0.1, this sweep 0.2"), line)
        XCTAssertEqual(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8), before)
        // The same command resumes with nothing left to do.
        let again = try CommandRunner.run(args + ["--out", out])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("resuming; 5 runs"), again.stderr)
        XCTAssertFalse(again.stderr.contains("epoch"), again.stderr)
    }

    func testLoRASweepRunsAreTrainRuns() throws {
        let out = dir + "/lora"
        let r = try CommandRunner.run(["sweep"] + common + ["--mode", "lora", "--ranks", "2,1", "--seeds", "1", "--lr", "5e-3",
                                                            "--bootstrap", "10", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8))
        XCTAssertEqual(rows.map { $0["mode"]! }, ["full", "lora", "lora"])
        XCTAssertEqual(rows.map { $0["rank"]! }, ["", "1", "2"])
        XCTAssertEqual(rows.map { $0["lr"]! }, ["0.0001", "0.005", "0.005"])
        let t = dir + "/train-lora"
        XCTAssertEqual(try CommandRunner.run(["train"] + common + ["--mode", "lora", "--rank", "2", "--lr", "5e-3", "--out", t]).status, 0)
        try assertSameRun(out + "/runs/r2-seed0", t, files: ["adapter/adapter_model.safetensors", "adapter/adapter_config.json"])
        let run = try XCTUnwrap(JSONSerialization.jsonObject(with: file(t + "/run.json")) as? [String: Any])
        XCTAssertEqual(rows[2]["trainable_parameters"], String(try XCTUnwrap(run["trainable_parameters"] as? Int)))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: file(out + "/d_int90.json")) as? [String: Any])
        XCTAssertEqual(json["size_axis"] as? String, "rank")
        XCTAssertEqual((json["configuration"] as? [String: String])?["targets"], "query,value")
    }

    func testImpossibleEncoderSweepOptions() throws {
        let out = ["--out", dir + "/bad"]
        for (args, mention) in [(["--mode", "lora", "--ranks", "2", "--projection", "dense"], "--projection"),
                                (["--d", "60", "--lrs", "0,1e-2"], "--lrs"), (["--d", "60", "--lrs", "a"], "--lrs"),
                                (["--search", "--lrs", "0.01"], "--lrs"), (["--d", "60", "--classes", "4"], "--classes"),
                                (["--d", "60", "--max-length", "2"], "--max-length")] {
            let r = try CommandRunner.run(["sweep"] + common.filter { $0 != "16" && $0 != "--max-length" } + args + out)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args): \(r.stderr)")
        }
        let fc = try CommandRunner.run(["sweep", "--d", "5", "--max-length", "16"] + out)
        XCTAssertEqual(fc.status, 64, fc.stderr)
        // SAID's d must exceed its per-tensor scales: one line, before anything is written.
        let small = try CommandRunner.run(["sweep"] + common + ["--d", "10,60"] + out)
        XCTAssertEqual(small.status, 1, small.stderr)
        XCTAssertEqual(small.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, small.stderr)
        XCTAssertTrue(small.stderr.contains("SAID's d = 10 must exceed"), small.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
    }
}
