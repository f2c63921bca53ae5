import Foundation
import Sweeps
import Training
import XCTest
import _TestSupport

/// `Sweep(plan:encoder:…)` on the tiny encoder and the hand-made task of ``TinyTextTask``: a
/// SAID sweep over d and learning rates trains the baselines and every (d, lr, seed) into
/// encoder run folders, d_int90 uses each d's best rate (recomputed here from the records), the
/// majority floor and macro-F1 are recorded; a journal missing its last run resumes by training
/// that run only, to the same files; other encoder options are refused, naming the option.
final class EncoderSweepTests: XCTestCase {
    var dir = ""
    var task = ""

    override func setUpWithError() throws {
        task = try TinyTextTask.make(train: 24, test: 12)
        dir = try Fixtures.temporaryDirectory("encoder-sweep")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.removeItem(atPath: task)
    }

    func sweep(_ name: String, maxLength: Int = 16) -> Sweep {
        var o = EncoderTrainingOptions()
        o.epochs = 2
        o.batchSize = 8
        o.learningRate = 1e-2
        o.maxLength = maxLength
        let spec = EncoderRunSpecification(modelFolder: task, dataset: task + "/train.tsv", testDataset: task + "/test.tsv", options: o)
        var s = Sweep(plan: SweepPlan(dimensions: [120, 60], seeds: 1, learningRates: [3e-2, 1e-2]), encoder: spec,
                      directory: dir + "/" + name, threads: 1)
        s.subspace = Sweep.Subspace(perTensor: true, said: true)
        s.baselineLearningRate = 3e-3
        s.summary.bootstrapReplicates = 20
        s.summary.threshold = 0.5
        return s
    }

    func testSweepOverDAndLearningRatesResumesAndRecordsTheSearch() throws {
        let report = try sweep("s").run()
        XCTAssertEqual(report.records.map(\.d), [0, 60, 60, 120, 120])
        XCTAssertEqual(report.records.map(\.learningRate), [0.003, 0.01, 0.03, 0.01, 0.03])
        XCTAssertEqual(report.records.map(\.mode), ["full", "subspace", "subspace", "subspace", "subspace"])
        XCTAssertEqual(report.records.map(\.majorityTestAccuracy), Array(repeating: Optional(1.0 / 3), count: 5))
        XCTAssertTrue(report.records.allSatisfy { $0.finalTestMacroF1 != nil && $0.status == .ok })
        for name in ["full-seed0", "d60-lr0.01-seed0", "d60-lr0.03-seed0", "d120-lr0.01-seed0", "d120-lr0.03-seed0"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/s/runs/\(name)/run.json"), name)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/s/runs/d60-lr0.03-seed0/theta_d.npy"))
        // Each run's own files agree with its record.
        let run = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/s/runs/d120-lr0.03-seed0/run.json"))) as? [String: Any])
        XCTAssertEqual(run["final_test_accuracy"] as? Double, report.records[4].finalTestAccuracy)
        XCTAssertEqual(run["trainable_parameters"] as? Int, 120)
        XCTAssertEqual((run["options"] as? [String: Any])?["max_length"] as? Int, 16)

        // d_int90 by hand: per d the rate with the best mean (one seed: the run), then the smallest d
        // whose accuracy reaches 0.5 × the baseline.
        func chosen(_ d: Int) -> SweepRecord {
            let rs = report.records.filter { $0.d == d }
            return rs.first { $0.finalTestAccuracy == rs.map(\.finalTestAccuracy).max()! }!
        }
        let baseline = report.records[0].finalTestAccuracy
        let e = report.estimate
        XCTAssertEqual(e.dimensions.map(\.d), [0, 60, 120])
        XCTAssertEqual(e.dimensions.dropFirst().map(\.lr), [chosen(60).learningRate, chosen(120).learningRate])
        XCTAssertEqual(e.dimensions[1].lrSearch.map(\.lr), [0.01, 0.03])
        XCTAssertEqual(e.dimensions[1].lrSearch.map(\.meanAccuracy), report.records[1...2].map { Optional($0.finalTestAccuracy) })
        XCTAssertEqual(e.dInt90, [60, 120].first { chosen($0).finalTestAccuracy >= 0.5 * baseline })
        XCTAssertEqual(e.majorityTestAccuracy, 1.0 / 3)
        XCTAssertEqual(e.dimensions[2].meanMacroF1, chosen(120).finalTestMacroF1)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/s/d_int90.json"))) as? [String: Any])
        XCTAssertEqual(json["majority_test_accuracy"] as? Double, 1.0 / 3)
        XCTAssertNotNil(json["target_below_majority"] as? Bool)
        let configuration = try XCTUnwrap(json["configuration"] as? [String: String])
        XCTAssertEqual(configuration["lrs"], "0.01,0.03")
        XCTAssertEqual(configuration["max-length"], "16")
        XCTAssertEqual(configuration["baseline-lr"], "0.003")

        // An interrupted sweep: the journal lost its last run (and that run's folder is half-written).
        let journalPath = dir + "/s/journal.jsonl"
        let lines = try String(contentsOfFile: journalPath, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: journalPath, atomically: true, encoding: .utf8)
        let model = try Data(contentsOf: URL(fileURLWithPath: dir + "/s/runs/d120-lr0.03-seed0/model.safetensors"))
        try FileManager.default.removeItem(atPath: dir + "/s/runs/d120-lr0.03-seed0/run.json")
        var resumed: Int?
        var trained: [String] = []
        let again = try sweep("s").run { event in
            switch event {
            case let .resuming(n): resumed = n
            case let .finished(run, _): trained.append(run.label)
            case .epoch: break
            }
        }
        XCTAssertEqual(resumed, 4)
        XCTAssertEqual(trained, ["fastfood d = 120, lr 0.03"])
        for (a, b) in zip(again.records, report.records) { XCTAssertTrue(a.sameOutcome(as: b), "\(a) vs \(b)") }
        XCTAssertEqual(again.estimate, report.estimate)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/s/runs/d120-lr0.03-seed0/model.safetensors")), model)

        // Other encoder options in the same directory are refused, naming the option; nothing is trained.
        XCTAssertThrowsError(try sweep("s", maxLength: 12).run { _ in XCTFail("trained") }) { error in
            XCTAssertTrue("\(error)".contains("--max-length: journal has 16, this sweep 12"), "\(error)")
        }
    }

    func testImpossibleEncoderPlansAreRefusedBeforeAnythingIsWritten() throws {
        func refused(_ s: Sweep, naming option: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try s.run(), file: file, line: line) { error in
                guard case let .invalidOption(o, _) = error as? TrainingError else { return XCTFail("\(error)", file: file, line: line) }
                XCTAssertEqual(o, option, file: file, line: line)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: s.directory), file: file, line: line)
        }
        var small = sweep("small")
        small.plan = SweepPlan(dimensions: [10], seeds: 1)  // SAID needs d > its one scale per tensor
        refused(small, naming: "d")
        var rates = sweep("rates")
        rates.plan.learningRates = [0.01, -1]
        refused(rates, naming: "lrs")
        var search = sweep("search")
        search.plan = SweepPlan(searchFrom: 60, seeds: 1)
        search.plan.learningRates = [0.01]
        refused(search, naming: "lrs")
        var noTest = sweep("notest")
        noTest.encoder!.testDataset = nil
        refused(noTest, naming: "test-dataset")
        var lora = sweep("lora")
        lora.plan = SweepPlan(dimensions: [2], seeds: 1)
        lora.lora = Sweep.LoRA(targets: ["word_embeddings"])
        refused(lora, naming: "targets")
    }
}
