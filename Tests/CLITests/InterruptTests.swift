import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// SIGINT and SIGTERM during `rank`, `train`, `sweep`, `extract-lora` and `merge`:
/// exit status 130/143 with one line, no temporary file left, no partial output
/// (only complete files from before), and a sweep that resumes to the
/// uninterrupted result. "While writing" cases use the debug builds'
/// `INTRINSIC_DIM_TEST_HOLD_BEFORE_RENAME`, which holds every commit with its
/// temporary files on disk, so the signal lands mid-write every time.
final class InterruptTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory("interrupt") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// What an interrupted command did.
    struct Interrupted {
        let status: Int32
        let stderr: String
        /// Whether the command was still running when signalled.
        let signalled: Bool
    }

    /// Starts `intrinsic-dim arguments`, waits until `ready()` holds (polling every
    /// 10 ms, at most `timeout` seconds), sends `signal` and waits for the exit.
    func interrupt(_ arguments: [String], with signal: Int32, holdingWrites: Bool = false,
                   timeout: Double = 30, when ready: () -> Bool) throws -> Interrupted {
        let errPath = dir + "/stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandRunner.executable)
        p.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if holdingWrites { environment["INTRINSIC_DIM_TEST_HOLD_BEFORE_RENAME"] = "30" }
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && !ready() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let signalled = p.isRunning
        if signalled { kill(p.processIdentifier, signal) }
        p.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Interrupted(status: p.terminationReason == .exit ? p.terminationStatus : 128 + p.terminationStatus,
                           stderr: stderr, signalled: signalled)
    }

    /// Every file under `path` (relative paths, hidden ones included), sorted.
    func files(under path: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: path) else { return [] }
        return e.compactMap { $0 as? String }.filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }

    func temporaryFiles(under path: String) -> [String] {
        files(under: path).filter { $0.contains(".tmp-") || $0.contains(".partial-") }
    }

    func hasTemporaryFile(_ path: String) -> Bool { !temporaryFiles(under: path).isEmpty }

    /// Every file under `path` with its bytes.
    func snapshot(_ path: String) throws -> [String: Data] {
        var s: [String: Data] = [:]
        for f in files(under: path) { s[f] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + f)) }
        return s
    }

    /// The checks every interrupted command must pass.
    func assertInterrupted(_ r: Interrupted, by signal: Int32, command: String, out: String,
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(r.signalled, "\(command) finished before the signal; make its input larger", file: file, line: line)
        XCTAssertEqual(r.status, 128 + signal, r.stderr, file: file, line: line)
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertEqual(last, "intrinsic-dim \(command): interrupted by \(name); no partial output left", r.stderr, file: file, line: line)
        XCTAssertEqual(temporaryFiles(under: out), [], "temporary files left behind", file: file, line: line)
    }

    /// A base/tuned pair of `count` random `n`×`n` F32 matrices, large enough
    /// that `rank` and `extract-lora` are still computing after half a second.
    func largePair(count: Int = 6, n: Int = 1000) throws -> (base: String, tuned: String) {
        var base = SafetensorsWriter(), tuned = SafetensorsWriter()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
        for t in 0..<count {
            let w = (0..<(n * n)).map { _ in next() }
            base.add("layer\(t).weight", shape: [n, n], float32: w)
            tuned.add("layer\(t).weight", shape: [n, n], float32: w.map { $0 + 0.01 * next() })
        }
        let paths = (dir + "/large_base.safetensors", dir + "/large_tuned.safetensors")
        try base.write(to: paths.0)
        try tuned.write(to: paths.1)
        return paths
    }

    let f32Base = Fixtures.path("rank/f32_base.safetensors")
    let f32Tuned = Fixtures.path("rank/f32_tuned.safetensors")

    // MARK: - rank

    /// SIGTERM while the SVDs run: nothing written. SIGINT while the report's
    /// files are being written over a complete earlier report: that report is
    /// unchanged, byte for byte, and no vectors.safetensors appears.
    func testRankInterruptedWhileComputingAndWhileWriting() throws {
        let pair = try largePair()
        let out = dir + "/rank"
        let started = Date()
        let computing = try interrupt(["rank", "--base", pair.base, "--tuned", pair.tuned, "--out", out], with: SIGTERM) {
            Date().timeIntervalSince(started) > 0.8
        }
        assertInterrupted(computing, by: SIGTERM, command: "rank", out: out)
        XCTAssertEqual(files(under: out), [], "no output from an interrupted analysis")

        let small = dir + "/rank-small"
        XCTAssertEqual(try CommandRunner.run(["rank", "--base", f32Base, "--tuned", f32Tuned, "--out", small]).status, 0)
        let before = try snapshot(small)
        XCTAssertEqual(before.keys.sorted(), ["rank_summary.csv", "rank_summary.json", "spectra.csv", "vector_summary.csv"])
        let writing = try interrupt(["rank", "--base", f32Base, "--tuned", f32Tuned, "--vectors", "2", "--out", small],
                                    with: SIGINT, holdingWrites: true) { hasTemporaryFile(small) }
        assertInterrupted(writing, by: SIGINT, command: "rank", out: small)
        XCTAssertEqual(try snapshot(small), before, "the earlier complete report must stay as it was")
    }

    // MARK: - train

    /// SIGINT mid-training leaves metrics.csv complete (every epoch row whole) and
    /// no model; SIGTERM while metrics.csv is being written leaves no file at all.
    func testTrainInterruptedWhileTrainingAndWhileWriting() throws {
        let dataset = Fixtures.path("training/datasets/mnist_subset.npz")
        let args = ["train", "--dataset", dataset, "--epochs", "500"]
        let out = dir + "/train"
        let metrics = out + "/metrics.csv"
        let training = try interrupt(args + ["--out", out], with: SIGINT) { FileManager.default.fileExists(atPath: metrics) }
        assertInterrupted(training, by: SIGINT, command: "train", out: out)
        XCTAssertEqual(files(under: out), ["metrics.csv"])
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
        let rows = text.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(rows.count, 2)
        let columns = rows[0].split(separator: ",", omittingEmptySubsequences: false).count
        for row in rows { XCTAssertEqual(row.split(separator: ",", omittingEmptySubsequences: false).count, columns, String(row)) }

        let held = dir + "/train-held"
        let writing = try interrupt(args + ["--out", held], with: SIGTERM, holdingWrites: true) { hasTemporaryFile(held) }
        assertInterrupted(writing, by: SIGTERM, command: "train", out: held)
        XCTAssertEqual(files(under: held), [])
    }

    // MARK: - sweep

    /// SIGINT in the middle of a run, then SIGTERM while a run's files are being
    /// written: each leaves a journal of whole lines, and the rerun resumes to
    /// the uninterrupted sweep's sweep.csv and d_int90.json.
    func testInterruptedSweepResumesToTheUninterruptedResult() throws {
        let small = Fixtures.path("training/datasets/good_u8_labels.npz")
        let args = ["sweep", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25", "--projection", "dense",
                    "--d", "20,5,10", "--seeds", "2", "--epochs", "12", "--bootstrap", "200"]
        func results(_ out: String) throws -> (rows: [[String: String]], json: String) {
            var rows = Fixtures.parseCSV(try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8))
            for i in rows.indices { rows[i]["seconds"] = nil }
            return (rows, try String(contentsOfFile: out + "/d_int90.json", encoding: .utf8))
        }
        func journalLines(_ out: String) -> Int {
            ((try? String(contentsOfFile: out + "/journal.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let reference = dir + "/reference"
        let r = try CommandRunner.run(args + ["--out", reference])
        XCTAssertEqual(r.status, 0, r.stderr)
        let want = try results(reference)

        let out = dir + "/sweep"
        let first = try interrupt(args + ["--out", out], with: SIGINT) { journalLines(out) >= 3 }  // header + 2 runs
        assertInterrupted(first, by: SIGINT, command: "sweep", out: out)
        let afterFirst = try SweepJournal.read(out + "/journal.jsonl").records.count
        XCTAssertGreaterThanOrEqual(afterFirst, 2)
        XCTAssertLessThan(afterFirst, 8, "the sweep finished before the signal; lengthen it")
        let second = try interrupt(args + ["--out", out], with: SIGTERM, holdingWrites: true) { hasTemporaryFile(out) }
        assertInterrupted(second, by: SIGTERM, command: "sweep", out: out)
        let text = try String(contentsOfFile: out + "/journal.jsonl", encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"), "the journal ends with a whole line")
        XCTAssertEqual(try SweepJournal.read(out + "/journal.jsonl").records.count, afterFirst)

        let resumed = try CommandRunner.run(args + ["--out", out])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming; \(afterFirst) runs already in the journal"), resumed.stderr)
        let got = try results(out)
        XCTAssertEqual(got.rows, want.rows)
        XCTAssertEqual(got.json, want.json)
        XCTAssertEqual(try SweepJournal.read(out + "/journal.jsonl").records.map(\.index).sorted(), Array(0..<8))
    }

    // MARK: - extract-lora

    /// SIGINT while the SVDs run: nothing written. SIGTERM while the adapter is
    /// being written over an earlier complete one: the earlier adapter and
    /// tables are unchanged.
    func testExtractLoRAInterruptedWhileComputingAndWhileWriting() throws {
        let pair = try largePair(count: 5)
        let out = dir + "/extract"
        let started = Date()
        let computing = try interrupt(["extract-lora", "--base", pair.base, "--tuned", pair.tuned, "--rank", "8", "--out", out],
                                      with: SIGINT) { Date().timeIntervalSince(started) > 0.8 }
        assertInterrupted(computing, by: SIGINT, command: "extract-lora", out: out)
        XCTAssertEqual(files(under: out), [])

        let small = dir + "/extract-small"
        XCTAssertEqual(try CommandRunner.run(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "2", "--out", small]).status, 0)
        let before = try snapshot(small)
        XCTAssertEqual(before.keys.sorted(), ["adapter_config.json", "adapter_model.safetensors", "extraction.csv", "extraction.json"])
        let writing = try interrupt(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "3", "--out", small],
                                    with: SIGTERM, holdingWrites: true) { hasTemporaryFile(small) }
        assertInterrupted(writing, by: SIGTERM, command: "extract-lora", out: small)
        XCTAssertEqual(try snapshot(small), before)
    }

    // MARK: - merge

    /// SIGINT while a sharded merge's shards are being written: no shard and no
    /// index in the output folder. SIGTERM while a single-file merge is written
    /// over an earlier one: the earlier file is unchanged.
    func testMergeInterruptedWhileWritingShards() throws {
        let adapter = dir + "/adapter"
        XCTAssertEqual(try CommandRunner.run(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "2", "--out", adapter]).status, 0)
        let out = dir + "/merged-sharded"
        let sharded = try interrupt(["merge", "--base", Fixtures.path("rank/sharded"), "--adapter", adapter, "--out", out],
                                    with: SIGINT, holdingWrites: true) { temporaryFiles(under: out).count >= 3 }
        assertInterrupted(sharded, by: SIGINT, command: "merge", out: out)
        XCTAssertEqual(files(under: out), [], "no shard or index from an interrupted merge")

        let single = dir + "/merged.safetensors"
        XCTAssertEqual(try CommandRunner.run(["merge", "--base", f32Base, "--adapter", adapter, "--out", single]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: single))
        let other = dir + "/adapter-r3"
        XCTAssertEqual(try CommandRunner.run(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "3", "--out", other]).status, 0)
        let writing = try interrupt(["merge", "--base", f32Base, "--adapter", other, "--out", single], with: SIGTERM, holdingWrites: true) {
            hasTemporaryFile(dir)
        }
        assertInterrupted(writing, by: SIGTERM, command: "merge", out: dir)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: single)), before)
    }
}
