#if canImport(Glibc)
import Glibc
#endif
import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// Writing into a full file system (a 1 MiB tmpfs, mounted for each test;
/// skipped where `mount` is not permitted): one error line naming the file and
/// saying the disk is full, a non-zero exit, no temporary file, and no corrupt
/// output (the old complete files, or none).
final class DiskFullTests: XCTestCase {
    var dir = ""
    var disk = ""

    override func setUpWithError() throws {
        dir = try Fixtures.temporaryDirectory("diskfull")
        disk = dir + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk]
        mount.standardError = FileHandle.nullDevice
        mount.standardOutput = FileHandle.nullDevice
        do { try mount.run() } catch { throw XCTSkip("cannot run /bin/mount (\(error)); disk-full tests skipped") }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: dir)
            throw XCTSkip("mounting a tmpfs is not permitted here (needs root); disk-full tests skipped")
        }
    }

    override func tearDownWithError() throws {
        guard !disk.isEmpty else { return }
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [disk]
        try umount.run()
        umount.waitUntilExit()
        XCTAssertEqual(umount.terminationStatus, 0, "umount \(disk)")
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Fills the tmpfs: a filler file grows until `write` fails with ENOSPC.
    func fillDisk() {
        let fd = open(disk + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xAB, count: 4096)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) > 0 {}
        XCTAssertEqual(errno, ENOSPC)
    }

    func files(under path: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func snapshot(_ path: String) throws -> [String: Data] {
        var s: [String: Data] = [:]
        for f in files(under: path) { s[f] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + f)) }
        return s
    }

    /// One `error:` line naming a file under `out` and the full disk; no other non-warning line
    /// besides `allowed` prefixes; no temporary file on the disk.
    func assertDiskFullError(_ r: CommandRunner.Output, command: String, out: String, allowed: [String] = [],
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("warning:") && !allowed.contains(where: $0.hasPrefix) }
        XCTAssertEqual(lines.count, 1, r.stderr, file: file, line: line)
        let message = lines.first ?? ""
        XCTAssertTrue(message.hasPrefix("intrinsic-dim \(command): error: \(out)/"), message, file: file, line: line)
        XCTAssertTrue(message.contains("No space left on device"), message, file: file, line: line)
        let left = files(under: disk).filter { $0.contains(".tmp-") }
        XCTAssertEqual(left, [], "temporary files left on the full disk", file: file, line: line)
    }

    let f32Base = Fixtures.path("rank/f32_base.safetensors")
    let f32Tuned = Fixtures.path("rank/f32_tuned.safetensors")

    /// rank's report on a full disk: the earlier complete report stays, byte for byte.
    func testRankOnAFullDiskKeepsTheEarlierReport() throws {
        let out = disk + "/rank"
        let args = ["rank", "--base", f32Base, "--tuned", f32Tuned, "--out", out]
        XCTAssertEqual(try CommandRunner.run(args).status, 0)
        let before = try snapshot(out)
        fillDisk()
        let r = try CommandRunner.run(args + ["--vectors", "2"])
        assertDiskFullError(r, command: "rank", out: out, allowed: ["rank: "])
        XCTAssertEqual(try snapshot(out), before)
    }

    /// merge on a full disk: a sharded merge leaves no shard and no index; a
    /// single-file merge leaves the earlier merged file as it was.
    func testMergeOnAFullDiskLeavesNoShardAndKeepsTheEarlierFile() throws {
        let adapter = dir + "/adapter"
        XCTAssertEqual(try CommandRunner.run(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "2", "--out", adapter]).status, 0)
        let single = disk + "/merged.safetensors"
        XCTAssertEqual(try CommandRunner.run(["merge", "--base", f32Base, "--adapter", adapter, "--out", single]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: single))
        fillDisk()

        let sharded = disk + "/sharded"
        let s = try CommandRunner.run(["merge", "--base", Fixtures.path("rank/sharded"), "--adapter", adapter, "--out", sharded])
        assertDiskFullError(s, command: "merge", out: sharded)
        XCTAssertEqual(files(under: sharded), [], "no shard or index on a failed merge")

        let again = try CommandRunner.run(["merge", "--base", f32Base, "--adapter", adapter, "--out", single])
        XCTAssertEqual(again.status, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("intrinsic-dim merge: error: \(single): cannot write: No space left on device"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: single)), before)
        XCTAssertEqual(files(under: disk).filter { $0.contains(".tmp-") }, [])
    }

    /// extract-lora on a full disk: its factors go to a scratch file in the output folder as each
    /// module is done; when that fails the error names the folder's file, and no scratch file,
    /// temporary file or adapter is left (nor the folder the run created).
    func testExtractOnAFullDiskLeavesNoSpoolAndNoAdapter() throws {
        fillDisk()
        let out = disk + "/adapter"
        let r = try CommandRunner.run(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "2", "--out", out])
        assertDiskFullError(r, command: "extract-lora", out: out, allowed: ["extract-lora: "])
        XCTAssertEqual(files(under: disk).filter { $0.contains(".spool-") }, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "the folder the failed run created is removed")
    }

    /// train on a full disk fails at its first file, metrics.csv, and leaves none.
    func testTrainOnAFullDiskNamesTheFile() throws {
        fillDisk()
        let out = disk + "/train"
        let r = try CommandRunner.run(["train", "--dataset", Fixtures.path("training/datasets/mnist_subset.npz"), "--epochs", "2", "--out", out])
        assertDiskFullError(r, command: "train", out: out, allowed: ["train: "])
        XCTAssertTrue(r.stderr.contains(out + "/metrics.csv"), r.stderr)
        XCTAssertEqual(files(under: out), [])
    }

    /// A journal append that runs out of space part-way through its line is
    /// truncated back: the journal keeps whole lines only and still resumes.
    func testJournalAppendOnAFullDiskLeavesNoHalfLine() throws {
        let path = disk + "/journal.jsonl"
        // A header line ending 10 bytes short of a page boundary, so the next line
        // fits partly in the file's last page and needs a new page for the rest.
        _ = try SweepJournal.open(path, configuration: ["d": "5", "pad": ""])
        let bare = try Data(contentsOf: URL(fileURLWithPath: path)).count
        try FileManager.default.removeItem(atPath: path)
        let configuration = ["d": "5", "pad": String(repeating: "x", count: 4096 - bare - 10)]
        var journal = try SweepJournal.open(path, configuration: configuration)
        let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
        XCTAssertEqual(size, 4086)
        fillDisk()
        let record = SweepRecord(index: 0, d: 5, seed: 0, projection: "dense", status: .ok,
                                 bestTestAccuracy: 0.5, finalTestAccuracy: 0.5, epochs: 1, seconds: 1)
        XCTAssertThrowsError(try journal.append(record)) { e in
            XCTAssertEqual((e as? CheckpointError)?.errno, ENOSPC, "\(e)")
            XCTAssertTrue("\(e)".hasPrefix(path + ": cannot append"), "\(e)")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(bytes.count, size, "the partial line was truncated away")
        XCTAssertEqual(bytes.last, UInt8(ascii: "\n"))
        try FileManager.default.removeItem(atPath: disk + "/filler")
        var resumed = try SweepJournal.open(path, configuration: configuration)
        try resumed.append(record)
        XCTAssertEqual(try SweepJournal.read(path).records.map(\.index), [0])
    }
}
