import Foundation
import XCTest
import _TestSupport

/// `rank --shard k/N` and `rank merge`: three shards of the committed fixture
/// pair merge into exactly what one `rank` run writes, and merges of the
/// wrong folders fail with one line naming the folder.
final class RankShardCommandTests: XCTestCase {
    static var f32Base: String { Fixtures.path("rank/f32_base.safetensors") }
    static var f32Tuned: String { Fixtures.path("rank/f32_tuned.safetensors") }

    private var dir = ""

    override func setUpWithError() throws {
        dir = try Fixtures.temporaryDirectory("rank-shard")
        let d = dir
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
    }

    private func describe(_ o: CommandRunner.Output) -> String {
        "status \(o.status)\n--- stderr ---\n\(o.stderr)--- stdout ---\n\(o.stdout)"
    }

    /// Runs `rank` on the f32 pair into `dir/name` and checks it succeeded.
    @discardableResult
    private func rank(_ name: String, _ extra: [String], base: String = RankShardCommandTests.f32Base,
                      file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let out = dir + "/" + name
        let o = try CommandRunner.run(["rank", "--base", base, "--tuned", Self.f32Tuned, "--out", out] + extra)
        XCTAssertEqual(o.status, 0, describe(o), file: file, line: line)
        return out
    }

    private func merge(_ folders: [String], into name: String) throws -> (out: String, output: CommandRunner.Output) {
        let out = dir + "/" + name
        return (out, try CommandRunner.run(["rank", "merge"] + folders + ["--out", out]))
    }

    private func data(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// rank_summary.json without the fields that differ between equal runs:
    /// the provenance's command line, start, wall time and host, each tensor's seconds.
    private func comparableJSON(_ out: String) throws -> NSDictionary {
        var j = try XCTUnwrap(try JSONSerialization.jsonObject(with: data(out + "/rank_summary.json")) as? [String: Any])
        var p = try XCTUnwrap(j["provenance"] as? [String: Any])
        for k in ["arguments", "started_at", "seconds", "host", "processors"] { p[k] = nil }
        var options = try XCTUnwrap(p["options"] as? [String: Any])
        options["jobs"] = nil
        p["options"] = options
        j["provenance"] = p
        j["tensors"] = try XCTUnwrap(j["tensors"] as? [[String: Any]]).map { var t = $0; t["seconds"] = nil; return t }
        return j as NSDictionary
    }

    private func shardRecord(_ out: String) throws -> [String: Any] {
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: data(out + "/rank_summary.json")) as? [String: Any])
        let p = try XCTUnwrap(j["provenance"] as? [String: Any])
        return try XCTUnwrap(p["shard"] as? [String: Any], "provenance.shard missing in \(out)")
    }

    // MARK: - Shards merge into one run

    func testThreeShardsMergeToOneRunByteForByte() throws {
        for extra in [[String](), ["--vectors", "2"], ["--top-k", "3", "--method", "randomized", "--vectors", "1"]] {
            let single = try rank("single\(extra.count)", extra + ["--jobs", "2"])
            let shards = try (1...3).map { try rank("s\(extra.count)-\($0)", extra + ["--shard", "\($0)/3", "--jobs", "1"]) }
            // Each shard records k/3, the whole run's tensors and its own share; the shares partition the run.
            var assigned: [String] = []
            for (i, s) in shards.enumerated() {
                let r = try shardRecord(s)
                XCTAssertEqual(r["index"] as? Int, i + 1)
                XCTAssertEqual(r["count"] as? Int, 3)
                XCTAssertEqual((r["matrices"] as? [String])?.count, 5)
                XCTAssertEqual(r["vectors"] as? [String], ["layers.0.bias"])
                let mine = try XCTUnwrap(r["assigned"] as? [String])
                XCTAssertFalse(mine.isEmpty, "shard \(i + 1)/3 got no tensor")
                assigned += mine
            }
            XCTAssertEqual(assigned.count, 6)
            XCTAssertEqual(Set(assigned).count, 6, "a tensor is in two shards")

            let (merged, o) = try merge(shards.reversed(), into: "merged\(extra.count)")
            XCTAssertEqual(o.status, 0, describe(o))
            guard o.status == 0 else { continue }
            var files = ["rank_summary.csv", "spectra.csv", "vector_summary.csv"]
            if extra.contains("--vectors") { files.append("vectors.safetensors") }
            for f in files {
                XCTAssertEqual(try data(merged + "/" + f), try data(single + "/" + f), "\(extra): \(f) differs from one run's")
            }
            XCTAssertEqual(try comparableJSON(merged), try comparableJSON(single), "\(extra): rank_summary.json differs (timing aside)")
            XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: merged)),
                           Set(try FileManager.default.contentsOfDirectory(atPath: single)))
        }
    }

    func testShardWithNoTensorWritesEmptyTables() throws {
        let out = try rank("empty", ["--include", "conv1", "--shard", "2/2"])
        let rows = try String(contentsOfFile: out + "/rank_summary.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 1, "only the header")
        XCTAssertEqual(try shardRecord(out)["assigned"] as? [String], [])
    }

    // MARK: - Bad merges fail with one line naming the folder

    private func assertFails(_ folders: [String], naming folder: String, _ phrase: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let (out, o) = try merge(folders, into: "bad-\(UUID().uuidString.prefix(8))")
        XCTAssertEqual(o.status, 1, describe(o), file: file, line: line)
        let lines = o.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertEqual(lines.count, 1, describe(o), file: file, line: line)
        let message = String(lines.first ?? "")
        XCTAssert(message.hasPrefix("intrinsic-dim rank merge: error: "), message, file: file, line: line)
        XCTAssert(message.contains(folder), "does not name \(folder): \(message)", file: file, line: line)
        XCTAssert(message.contains(phrase), "does not say '\(phrase)': \(message)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/rank_summary.csv"), "output written", file: file, line: line)
    }

    func testBadMergesFailWithOneLine() throws {
        let shards = try (1...3).map { try rank("s\($0)", ["--shard", "\($0)/3"]) }
        let other = try rank("other2", ["--shard", "2/3", "--exclude", "conv"])
        let two = try rank("two1", ["--shard", "1/2"])
        let single = try rank("single", [])

        try assertFails([shards[0], shards[2]], naming: shards[0], "shard 2/3 is missing")
        try assertFails([shards[0], shards[1], shards[2], shards[1]], naming: shards[1], "given twice")
        try assertFails([shards[0], other, shards[2]], naming: other, "option exclude")
        try assertFails([shards[0], two], naming: two, "2 shards vs 3")
        try assertFails([shards[0], single], naming: single, "not a shard")
        try assertFails([shards[0], dir + "/nowhere"], naming: dir + "/nowhere", "no rank_summary.csv")

        // A shard run on another base checkpoint.
        let f64 = try rank("f64-3", ["--shard", "3/3"], base: Fixtures.path("rank/f64_base.safetensors"))
        try assertFails([shards[0], shards[1], f64], naming: f64, "input base")

        // A shard whose results lost a tensor (the CSV no longer matches the JSON).
        let edited = dir + "/edited"
        try FileManager.default.copyItem(atPath: shards[0], toPath: edited)
        let csv = try String(contentsOfFile: edited + "/rank_summary.csv", encoding: .utf8)
        try (csv.split(separator: "\n").dropLast().joined(separator: "\n") + "\n").write(toFile: edited + "/rank_summary.csv", atomically: true, encoding: .utf8)
        try assertFails([edited, shards[1], shards[2]], naming: edited + "/rank_summary.csv", "does not match")
    }

    func testInvalidShardFlagExits64() throws {
        for value in ["0/3", "4/3", "3", "a/b", "1/0"] {
            let o = try CommandRunner.run(["rank", "--base", Self.f32Base, "--tuned", Self.f32Tuned, "--out", dir + "/x", "--shard", value])
            XCTAssertEqual(o.status, 64, "--shard \(value): " + describe(o))
            XCTAssert(o.stderr.contains("--shard"), "--shard \(value): " + describe(o))
        }
    }
}
