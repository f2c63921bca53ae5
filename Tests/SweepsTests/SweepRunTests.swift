import Foundation
import Sweeps
import Training
import XCTest
import _TestSupport

/// `Sweep(plan:…).run(progress:)` and `SweepMerge` called as a library: shards merged give the
/// one-machine sweep bit for bit (the same runs, the same operations), a second call resumes
/// without training, d_int90 is the smallest d whose mean reaches 90 % of the baselines (recomputed
/// here from the records), and impossible plans are refused before anything is written.
final class SweepRunTests: XCTestCase {
    /// 12 examples of 64 features, 4 classes (numpy-written).
    let small = Fixtures.path("training/datasets/good_u8_labels.npz")
    var dir = ""

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory("sweep-library") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func sweep(_ name: String, shard: SweepShard? = nil, dimensions: [Int] = [20, 5, 10]) -> Sweep {
        var options = TrainingOptions()
        options.epochs = 3
        var s = Sweep(plan: SweepPlan(dimensions: dimensions, seeds: 2, shard: shard),
                      training: RunSpecification(model: .fc, dataset: small, classes: 4, testFraction: 0.25, options: options),
                      directory: dir + "/" + name, dataDirectory: "data", threads: 1)
        s.subspace = Sweep.Subspace(projection: .dense)
        s.summary.bootstrapReplicates = 50
        return s
    }

    func testShardsMergeIntoTheOneMachineSweepAndASecondCallResumes() throws {
        var finished: [SweepProgress.Run] = []
        let single = try sweep("single").run { if case let .finished(run, _) = $0 { finished.append(run) } }
        XCTAssertEqual(single.records.map(\.d), [0, 0, 5, 5, 10, 10, 20, 20])
        XCTAssertEqual(finished.map(\.position), Array(1...8))
        XCTAssertEqual(finished.map(\.label), ["full", "full", "dense d = 5", "dense d = 5", "dense d = 10", "dense d = 10",
                                               "dense d = 20", "dense d = 20"])
        XCTAssertEqual(single.records.map(\.trainableParameters), [54004, 54004, 5, 5, 10, 10, 20, 20])  // D of 64-200-200-4
        // d_int90 by hand: the smallest d whose mean final accuracy reaches 0.9 × the baselines' mean.
        let mean = { (d: Int) in single.records.filter { $0.d == d }.map(\.finalTestAccuracy).reduce(0, +) / 2 }
        XCTAssertEqual(single.estimate.dInt90, [5, 10, 20].first { mean($0) >= 0.9 * mean(0) })
        XCTAssertNotNil(single.estimate.dInt90, "some d reaches 90 % (baseline \(mean(0))), so the check above is not nil == nil")

        for k in 1...3 { try sweep("shard\(k)", shard: try SweepShard(k, of: 3)).run() }
        var summary = SweepSummaryOptions()
        summary.bootstrapReplicates = 50
        let merged = try SweepMerge((1...3).map { dir + "/shard\($0)" }, into: dir + "/merged", summary: summary).run()
        XCTAssertEqual(merged.copiedRunFolders, 8)
        XCTAssertEqual(merged.report.records.count, 8)
        for (a, b) in zip(single.records, merged.report.records) { XCTAssertTrue(a.sameOutcome(as: b), "\(a) vs \(b)") }
        XCTAssertEqual(merged.report.estimate, single.estimate)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/single/runs/d10-seed1/model.safetensors"),
                       FileManager.default.contents(atPath: dir + "/merged/runs/d10-seed1/model.safetensors"))
        XCTAssertThrowsError(try SweepMerge([dir + "/shard1"], into: dir + "/merged").run()) { error in
            guard case .journalMismatch = error as? TrainingError else { return XCTFail("\(error)") }
        }

        // Called again, the sweep finds every run in its journal.
        var resumed: Int? = nil, epochs = 0
        let again = try sweep("single").run { event in
            switch event {
            case let .resuming(n): resumed = n
            case .epoch, .finished: epochs += 1
            }
        }
        XCTAssertEqual(resumed, 8)
        XCTAssertEqual(epochs, 0)
        XCTAssertEqual(again.estimate, single.estimate)
        // Another sweep's options in the same directory are refused, naming the option.
        var other = sweep("single")
        other.training.options.epochs = 4
        XCTAssertThrowsError(try other.run()) { error in
            XCTAssertTrue("\(error)".contains("--epochs: journal has 3, this sweep 4"), "\(error)")
        }
    }

    func testImpossiblePlansAreRefusedBeforeAnythingIsWritten() throws {
        func refused(_ s: Sweep, naming option: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try s.run(), file: file, line: line) { error in
                guard case let .invalidOption(o, _) = error as? TrainingError else { return XCTFail("\(error)", file: file, line: line) }
                XCTAssertEqual(o, option, file: file, line: line)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: s.directory), file: file, line: line)
        }
        refused(sweep("zero", dimensions: [5, 0]), naming: "d")
        refused(sweep("none", dimensions: []), naming: "d")
        refused(sweep("huge", dimensions: [5, 99_999]), naming: "d")  // D = 54,004
        var lora = sweep("lora", dimensions: [2, 5])
        lora.lora = Sweep.LoRA()
        XCTAssertThrowsError(try lora.run())  // fc3 is 4 × 200: rank 5 does not fit without capRank
        XCTAssertFalse(FileManager.default.fileExists(atPath: lora.directory))
        var search = sweep("search")
        search.plan = SweepPlan(searchFrom: 4, seeds: 1)
        search.lora = Sweep.LoRA()
        refused(search, naming: "search")
    }
}
