import Foundation
import Reports
import Sweeps
import Training
import XCTest
import _TestSupport

/// An encoder run stopped after an epoch and run again into its folder continues from
/// `resume.safetensors` and ends with the same files as a run that never stopped (both make the
/// same operations: the state is restored exactly and order, masks and rates are functions of
/// seed, epoch and step), in each mode; a state written for other options is not resumed; the
/// state is gone once the run finished.
final class EncoderResumeTests: XCTestCase {
    var dir = ""
    var task = ""

    override func setUpWithError() throws {
        task = try TinyTextTask.make(train: 24, test: 12)
        dir = try Fixtures.temporaryDirectory("encoder-resume")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.removeItem(atPath: task)
    }

    func spec(_ mode: String, epochs: Int = 3) -> EncoderRunSpecification {
        var o = EncoderTrainingOptions()
        o.epochs = epochs
        o.batchSize = 8
        o.learningRate = mode == "full" ? 3e-3 : 1e-2
        o.maxLength = 16
        o.seed = 5
        var s = EncoderRunSpecification(modelFolder: task, dataset: task + "/train.tsv", testDataset: task + "/test.tsv", options: o)
        if mode == "subspace" { s.subspace = RunSpecification.Subspace(projection: .fastfood, d: 100, projectionSeed: 5, perTensor: true, said: true) }
        if mode == "lora" { s.lora = RunSpecification.LoRA(rank: 2, targets: ["query", "value"]) }
        return s
    }

    func files(_ run: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: run) where !["metrics.csv", "run.json"].contains(name) {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: run + "/" + name, isDirectory: &isDirectory)
            if !isDirectory.boolValue { out[name] = try Data(contentsOf: URL(fileURLWithPath: run + "/" + name)) }
        }
        return out
    }

    func testAResumedRunEndsWithTheFilesOfAnUninterruptedOne() throws {
        for mode in ["full", "subspace", "lora"] {
            let s = spec(mode)
            let session = try EncoderSession(s, dataDirectory: dir, threads: 1)
            let whole = dir + "/\(mode)-whole", stopped = dir + "/\(mode)-stopped"
            // The uninterrupted run; after its epoch 2 the folder is what an interruption then leaves.
            let uninterrupted = try session.run(s, command: "test", arguments: [], into: whole) { r in
                guard r.epoch == 2 else { return }
                try? FileManager.default.createDirectory(atPath: stopped, withIntermediateDirectories: true)
                for f in [EncoderResumeState.fileName, "metrics.csv"] { try? FileManager.default.copyItem(atPath: whole + "/" + f, toPath: stopped + "/" + f) }
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: whole + "/" + EncoderResumeState.fileName), "\(mode): removed when finished")
            XCTAssertTrue(FileManager.default.fileExists(atPath: stopped + "/" + EncoderResumeState.fileName), mode)
            var epochs: [Int] = []
            let resumed = try session.run(s, command: "test", arguments: [], into: stopped) { epochs.append($0.epoch) }
            XCTAssertEqual(epochs, [3], "\(mode): only the last epoch runs again")
            XCTAssertEqual(resumed.parameters, uninterrupted.parameters, mode)
            XCTAssertEqual(resumed.epochs.map(\.testAccuracy), uninterrupted.epochs.map(\.testAccuracy), mode)
            XCTAssertEqual(resumed.steps, uninterrupted.steps, mode)
            XCTAssertEqual(try files(stopped), try files(whole), "\(mode): every file but metrics.csv/run.json (wall times) byte-identical")
        }
    }

    func testAStateOfOtherOptionsIsNotResumedAndADamagedOneIsAnError() throws {
        let s = spec("lora")
        let session = try EncoderSession(s, dataDirectory: dir, threads: 1)
        let run = dir + "/run", copy = dir + "/copy"
        _ = try session.run(s, command: "test", arguments: [], into: run) { r in
            if r.epoch == 1 {
                try? FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
                try? FileManager.default.copyItem(atPath: run + "/" + EncoderResumeState.fileName, toPath: copy + "/" + EncoderResumeState.fileName)
            }
        }
        var other = s
        other.options.learningRate = 2e-2
        var epochs: [Int] = []
        _ = try session.run(other, command: "test", arguments: [], into: copy) { epochs.append($0.epoch) }
        XCTAssertEqual(epochs, [1, 2, 3], "another learning rate starts over")
        // A truncated state of this run names the file.
        let state = copy + "/" + EncoderResumeState.fileName
        _ = try session.run(s, command: "test", arguments: [], into: run) { r in
            if r.epoch == 1 { try? FileManager.default.removeItem(atPath: state); try? FileManager.default.copyItem(atPath: run + "/" + EncoderResumeState.fileName, toPath: state) }
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: state))
        try bytes.prefix(bytes.count - 40).write(to: URL(fileURLWithPath: state))
        XCTAssertThrowsError(try session.run(s, command: "test", arguments: [], into: copy)) {
            XCTAssertTrue("\($0)".contains(EncoderResumeState.fileName), "\($0)")
        }
    }
}
