import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// `intrinsic-dim sweep`: resume after `kill -9`, shards + merge, and
/// refusing a journal of another configuration.
final class SweepCommandTests: XCTestCase {
    var dir = ""
    let small = Fixtures.path("training/datasets/good_u8_labels.npz")

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory("sweep") }

    func sweepArgs(epochs: Int = 20) -> [String] {
        ["sweep", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25", "--projection", "dense",
         "--d", "20,5,10", "--seeds", "2", "--epochs", String(epochs), "--bootstrap", "200"]
    }

    /// sweep.csv without its wall-time column, and d_int90.json.
    func results(_ out: String) throws -> (rows: [[String: String]], json: String) {
        var rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8))
        for i in rows.indices { rows[i]["seconds"] = nil }
        return (rows, try String(contentsOfFile: out + "/d_int90.json", encoding: .utf8))
    }

    func testKilledSweepResumesToTheUninterruptedResult() throws {
        let reference = dir + "/reference"
        let r = try CommandRunner.run(sweepArgs() + ["--out", reference])
        XCTAssertEqual(r.status, 0, r.stderr)
        let want = try results(reference)
        XCTAssertEqual(want.rows.count, 8)  // 2 baselines + 3 d × 2 seeds
        XCTAssertEqual(want.rows.map { $0["d"]! }, ["0", "0", "5", "5", "10", "10", "20", "20"])
        XCTAssertEqual(want.rows.map { $0["projection"]! }, ["none", "none"] + Array(repeating: "dense", count: 6))
        XCTAssertTrue(r.stderr.contains("run 8/8"), r.stderr)

        // Kill -9 at several moments, resume each time with the same command.
        let out = dir + "/killed"
        var kills = 0
        for delay in [0.6, 1.1, 0.9, 1.4] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandRunner.executable)
            p.arguments = sweepArgs() + ["--out", out]
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
        }
        XCTAssertGreaterThan(kills, 0, "the sweep finished before any kill; lengthen it")
        let resumed = try CommandRunner.run(sweepArgs() + ["--out", out])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let got = try results(out)
        XCTAssertEqual(got.rows, want.rows)
        XCTAssertEqual(got.json, want.json)
        let journal = try SweepJournal.read(out + "/journal.jsonl")
        XCTAssertEqual(journal.records.map(\.index).sorted(), Array(0..<8))
    }

    func testShardsMergeIntoTheSingleMachineResult() throws {
        let single = dir + "/single"
        XCTAssertEqual(try CommandRunner.run(sweepArgs(epochs: 3) + ["--out", single]).status, 0)
        for k in 1...3 {
            let r = try CommandRunner.run(sweepArgs(epochs: 3) + ["--shard", "\(k)/3", "--out", dir + "/shard\(k)"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let shard1 = try SweepJournal.read(dir + "/shard1/journal.jsonl")
        XCTAssertEqual(shard1.records.map(\.index), [0, 3, 6])
        let m = try CommandRunner.run(["sweep", "merge", dir + "/shard1", dir + "/shard2", dir + "/shard3",
                                       "--bootstrap", "200", "--out", dir + "/merged"])
        XCTAssertEqual(m.status, 0, m.stderr)
        let a = try results(single), b = try results(dir + "/merged")
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertEqual(a.json, b.json)
    }

    /// `--mode lora --ranks`: r on the size axis, shards merge to the single-machine result, and
    /// r_int90 is the smallest rank whose mean reaches the threshold (recomputed here from sweep.csv).
    func testLoRASweepOverRanks() throws {
        let args = ["sweep", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                    "--mode", "lora", "--ranks", "4,1,2", "--seeds", "2", "--epochs", "4", "--lr", "0.01",
                    "--threshold", "0.5", "--bootstrap", "100"]
        let single = dir + "/lora"
        let r = try CommandRunner.run(args + ["--out", single])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = Fixtures.parseCSV(try String(contentsOfFile: single + "/sweep.csv", encoding: .utf8))
        XCTAssertEqual(rows.map { $0["mode"]! }, ["full", "full", "lora", "lora", "lora", "lora", "lora", "lora"])
        XCTAssertEqual(rows.map { $0["rank"]! }, ["", "", "1", "1", "2", "2", "4", "4"])
        // 64-200-200-4: Σ r·(in + out) = r·(264 + 400 + 204).
        XCTAssertEqual(rows.map { $0["trainable_parameters"]! }, ["54004", "54004", "868", "868", "1736", "1736", "3472", "3472"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: single + "/runs/r2-seed1/adapter/adapter_config.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: single + "/d_int90.json"))) as? [String: Any])
        XCTAssertEqual(json["size_axis"] as? String, "rank")
        let baseline = rows.prefix(2).map { Double($0["final_test_accuracy"]!)! }.reduce(0, +) / 2
        let mean = { (rank: String) in rows.filter { $0["rank"] == rank }.map { Double($0["final_test_accuracy"]!)! }.reduce(0, +) / 2 }
        let expected = ["1", "2", "4"].first { mean($0) >= 0.5 * baseline }.map { Int($0)! }
        XCTAssertNotNil(expected, "the threshold is reached at some rank (baseline \(baseline))")
        XCTAssertEqual(json["r_int90"] as? Int, expected)
        XCTAssertEqual(json["trainable_parameters_at_90"] as? Int, expected.map { $0 * 868 })
        // Shards, then merge.
        for k in 1...2 { XCTAssertEqual(try CommandRunner.run(args + ["--shard", "\(k)/2", "--out", dir + "/lora\(k)"]).status, 0) }
        let m = try CommandRunner.run(["sweep", "merge", dir + "/lora1", dir + "/lora2", "--threshold", "0.5", "--bootstrap", "100",
                                       "--out", dir + "/lora-merged"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(try results(single).rows, try results(dir + "/lora-merged").rows)
        XCTAssertEqual(try results(single).json, try results(dir + "/lora-merged").json)
        // Impossible combinations.
        for (extra, mention) in [(["--mode", "lora"], "--ranks"), (["--mode", "lora", "--ranks", "2", "--d", "5"], "--d"),
                                 (["--d", "5", "--ranks", "2"], "--mode lora"), (["--mode", "lora", "--ranks", "0"], "--ranks")] {
            let bad = try CommandRunner.run(["sweep", "--dataset", small, "--classes", "4", "--out", dir + "/bad"] + extra)
            XCTAssertEqual(bad.status, 64, "\(extra): \(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains(mention), "\(extra): \(bad.stderr)")
        }
        let tooLarge = try CommandRunner.run(["sweep", "--dataset", small, "--classes", "4", "--mode", "lora", "--ranks", "2,5",
                                              "--out", dir + "/bad"])
        XCTAssertEqual(tooLarge.status, 1)
        XCTAssertTrue(tooLarge.stderr.contains("fc3.weight"), tooLarge.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
    }

    func testJournalOfAnotherConfigurationIsRefused() throws {
        let out = dir + "/s"
        XCTAssertEqual(try CommandRunner.run(sweepArgs(epochs: 2) + ["--out", out]).status, 0)
        let before = try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8)
        let r = try CommandRunner.run(sweepArgs(epochs: 3) + ["--out", out])
        XCTAssertEqual(r.status, 1)
        let line = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(line.split(separator: "\n").count, 1, line)
        XCTAssertTrue(line.contains("journal.jsonl") && line.contains("--epochs: journal has 2, this sweep 3"), line)
        XCTAssertEqual(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8), before)
        // Merging shards of different sweeps is refused too.
        XCTAssertEqual(try CommandRunner.run(sweepArgs(epochs: 3) + ["--out", dir + "/t"]).status, 0)
        let m = try CommandRunner.run(["sweep", "merge", out, dir + "/t", "--out", dir + "/m"])
        XCTAssertEqual(m.status, 1)
        XCTAssertTrue(m.stderr.contains("--epochs"), m.stderr)
    }

    func testSearchRunsToItsEnd() throws {
        let out = dir + "/search"
        let r = try CommandRunner.run(["sweep", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                                       "--projection", "dense", "--search", "--search-start", "4", "--search-limit", "64",
                                       "--seeds", "1", "--epochs", "3", "--bootstrap", "50", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8))
        XCTAssertEqual(rows.first?["d"], "0")
        let ds = rows.dropFirst().map { Int($0["d"]!)! }
        XCTAssertEqual(Array(ds.prefix(1)), [4])
        XCTAssertTrue(ds.allSatisfy { $0 <= 64 }, "\(ds)")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/d_int90.json"))) as? [String: Any])
        XCTAssertTrue(json["runs_planned"] is NSNull)
        XCTAssertEqual(json["runs_finished"] as? Int, rows.count)
        // Rerunning a finished search makes no new run.
        let again = try CommandRunner.run(["sweep", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                                           "--projection", "dense", "--search", "--search-start", "4", "--search-limit", "64",
                                           "--seeds", "1", "--epochs", "3", "--bootstrap", "50", "--out", out])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8)).count, rows.count)
    }

    func testImpossibleOptions() throws {
        for (args, mention) in [(["--d", "0"], "--d"), (["--d", "a,b"], "--d"), (["--d", "5", "--shard", "3/2"], "--shard"),
                                (["--search", "--shard", "1/2"], "--search"), (["--d", "5", "--threshold", "1.5"], "--threshold")] {
            let r = try CommandRunner.run(["sweep", "--dataset", small, "--classes", "4"] + args + ["--out", dir + "/x"])
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args): \(r.stderr)")
        }
        let r = try CommandRunner.run(["sweep", "--dataset", small, "--classes", "4", "--d", "5,99999", "--out", dir + "/y"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("d = 99999 exceeds D = 54004"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/y/journal.jsonl"))
    }
}
