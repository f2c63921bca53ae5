import Foundation
import Sweeps
import Training
import XCTest
import _TestSupport

/// d_int90, its bootstrap, the search and the journal on constructed cases
/// whose answers are known by hand.
final class SweepTests: XCTestCase {
    func record(_ index: Int, d: Int, seed: UInt64, accuracy: Double, status: RunStatus = .ok) -> SweepRecord {
        SweepRecord(index: index, d: d, seed: seed, projection: d == 0 ? "none" : "fastfood", status: status,
                    bestTestAccuracy: accuracy + 0.01, finalTestAccuracy: accuracy, epochs: 10, seconds: 1)
    }

    /// Baseline 0.98/0.96 (mean 0.97 → target 0.873); d = 100: 0.80/0.84; d = 200: 0.86/0.90 (mean 0.88);
    /// d = 400: 0.91/0.95 (0.93), one diverged run left out.
    var records: [SweepRecord] {
        [record(0, d: 0, seed: 0, accuracy: 0.98), record(1, d: 0, seed: 1, accuracy: 0.96),
         record(2, d: 100, seed: 0, accuracy: 0.80), record(3, d: 100, seed: 1, accuracy: 0.84),
         record(4, d: 200, seed: 0, accuracy: 0.86), record(5, d: 200, seed: 1, accuracy: 0.90),
         record(6, d: 400, seed: 0, accuracy: 0.91), record(7, d: 400, seed: 1, accuracy: 0.95),
         record(8, d: 400, seed: 2, accuracy: .nan, status: .diverged)]
    }

    func testDInt90AgainstHandComputedValues() {
        let e = DInt90Estimator.estimate(records, threshold: 0.9, replicates: 0)
        assertClose(e.baselineAccuracy!, 0.97, rtol: 1e-12)
        assertClose(e.targetAccuracy!, 0.873, rtol: 1e-12)
        XCTAssertEqual(e.dInt90, 200)                 // 0.88 ≥ 0.873
        XCTAssertEqual(e.dInt90Absolute, 400)         // 0.93 ≥ 0.90; 0.88 is not
        let d400 = e.dimensions.first { $0.d == 400 }!
        XCTAssertEqual([d400.runs, d400.ok, d400.diverged], [3, 2, 1])
        assertClose(d400.meanAccuracy!, 0.93, rtol: 1e-12)
        assertClose(d400.stdAccuracy!, (0.0008).squareRoot(), rtol: 1e-9)
        // Other thresholds and the best-accuracy variant.
        XCTAssertEqual(DInt90Estimator.estimate(records, threshold: 0.95, replicates: 0).dInt90, 400)  // target 0.9215
        XCTAssertNil(DInt90Estimator.estimate(records, threshold: 0.99, replicates: 0).dInt90)
        // Best accuracies are final + 0.01: d = 200 averages 0.89 < 0.90, d = 400 0.94.
        XCTAssertEqual(DInt90Estimator.estimate(records, threshold: 0.9, accuracy: .best, replicates: 0).dInt90Absolute, 400)
    }

    /// Two rates per d, an encoder-like majority floor and macro-F1: baseline 0.9/0.9 (target 0.81);
    /// d = 100: lr 0.01 → 0.70/0.74 (0.72), lr 0.03 → 0.80/0.78 (0.79, chosen, below the target);
    /// d = 200: lr 0.01 → 0.83/0.85 (0.84, chosen), lr 0.03 → 0.60 and a diverged run (0.60).
    /// Without the choice the means would be 0.755 and 0.76 and no d would qualify.
    func testDInt90UsesEachDsBestLearningRate() throws {
        func run(_ i: Int, d: Int, seed: UInt64, lr: Double, accuracy: Double, status: RunStatus = .ok) -> SweepRecord {
            var r = record(i, d: d, seed: seed, accuracy: accuracy, status: status)
            r.learningRate = lr
            r.majorityTestAccuracy = 0.49
            r.finalTestMacroF1 = accuracy / 2
            return r
        }
        let records = [run(0, d: 0, seed: 0, lr: 1e-4, accuracy: 0.9), run(1, d: 0, seed: 1, lr: 1e-4, accuracy: 0.9),
                       run(2, d: 100, seed: 0, lr: 0.01, accuracy: 0.70), run(3, d: 100, seed: 1, lr: 0.01, accuracy: 0.74),
                       run(4, d: 100, seed: 0, lr: 0.03, accuracy: 0.80), run(5, d: 100, seed: 1, lr: 0.03, accuracy: 0.78),
                       run(6, d: 200, seed: 0, lr: 0.01, accuracy: 0.83), run(7, d: 200, seed: 1, lr: 0.01, accuracy: 0.85),
                       run(8, d: 200, seed: 0, lr: 0.03, accuracy: 0.60), run(9, d: 200, seed: 1, lr: 0.03, accuracy: .nan, status: .diverged)]
        let e = DInt90Estimator.estimate(records, threshold: 0.9, absoluteBaseline: 0.9, replicates: 200, seed: 1)
        XCTAssertEqual(e.dimensions.map(\.lr), [1e-4, 0.03, 0.01])
        XCTAssertEqual(e.dInt90, 200)                      // 0.84 ≥ 0.81; d = 100's best, 0.79, is not
        XCTAssertEqual(e.dInt90Absolute, 200)              // target 0.81 as well
        XCTAssertEqual(e.lrAtDInt90, 0.01)
        let d100 = e.dimensions[1], d200 = e.dimensions[2]
        assertClose(d100.meanAccuracy!, 0.79, rtol: 1e-12)
        assertClose(d200.meanAccuracy!, 0.84, rtol: 1e-12)
        XCTAssertEqual([d200.runs, d200.ok, d200.diverged], [2, 2, 0], "the chosen rate's runs only")
        XCTAssertEqual(d200.lrSearch.map(\.lr), [0.01, 0.03])
        XCTAssertEqual(d200.lrSearch.map(\.ok), [2, 1])
        assertClose(d200.lrSearch[0].meanAccuracy!, 0.84, rtol: 1e-12)
        assertClose(d200.lrSearch[1].meanAccuracy!, 0.60, rtol: 1e-12)
        assertClose(d100.lrSearch[0].meanAccuracy!, 0.72, rtol: 1e-12)
        assertClose(d200.meanMacroF1!, 0.42, rtol: 1e-12)
        XCTAssertEqual(e.majorityTestAccuracy, 0.49)
        XCTAssertEqual(e.targetBelowMajority, false)       // 0.81 > 0.49
        XCTAssertEqual(e.bootstrap!.dInt90.p50, 200, "replicates resample the chosen rate's seeds")
        // A trivial target: 0.5 × 0.9 = 0.45 ≤ the floor 0.49.
        XCTAssertEqual(DInt90Estimator.estimate(records, threshold: 0.5, replicates: 0).targetBelowMajority, true)
        // Ties go to the smaller rate; in d_int90.json every dimension names its rate.
        let tie = [run(0, d: 0, seed: 0, lr: 1e-4, accuracy: 0.9), run(1, d: 50, seed: 0, lr: 0.03, accuracy: 0.8),
                   run(2, d: 50, seed: 0, lr: 0.01, accuracy: 0.8)]
        XCTAssertEqual(DInt90Estimator.estimate(tie, threshold: 0.9, replicates: 0).dimensions[1].lr, 0.01)
        // A sweep without a list of rates (a journal begun before runs recorded theirs, resumed):
        // every run of a d counts.
        var old = self.records
        for i in [1, 3, 5, 7] { old[i].learningRate = 0.001 }
        let mixed = DInt90Estimator.estimate(old, threshold: 0.9, replicates: 0, chooseLearningRate: false)
        XCTAssertEqual(mixed.dInt90, 200)
        XCTAssertEqual(mixed.dimensions.map(\.runs), [2, 2, 2, 3])
        XCTAssertEqual(mixed.dimensions.map(\.lr), [0.001, 0.001, 0.001, 0.001])
        var summary = SweepSummaryOptions()
        summary.bootstrapReplicates = 0
        XCTAssertEqual(summary.report(old, configuration: [:], plannedRuns: nil).estimate, mixed)
        XCTAssertEqual(summary.report(records, configuration: ["lrs": "0.01,0.03"], plannedRuns: nil).estimate.dInt90, 200)
        let json = try SweepReport(records: records, estimate: e, configuration: [:], plannedRuns: 10).json()
        XCTAssertTrue(json.contains("\"lr_at_d_int90\" : 0.01") || json.contains("\"lr_at_d_int90\": 0.01"), json)
        XCTAssertTrue(json.contains("\"majority_test_accuracy\""), json)
    }

    func testBootstrapSpreadBracketsTheEstimate() {
        let e = DInt90Estimator.estimate(records, threshold: 0.9, replicates: 2000, seed: 3)
        let b = e.bootstrap!
        XCTAssertEqual(b.replicates, 2000)
        // Each replicate's d_int90 is one of the swept d (or none).
        XCTAssertTrue([100.0, 200, 400].contains(b.dInt90.p50!))
        XCTAssertLessThanOrEqual(b.dInt90.p05!, 200)
        XCTAssertGreaterThanOrEqual(b.dInt90.p95!, 200)
        // d = 100 reaches 0.873 only if both resamples are 0.84 (0.84 < 0.873: never) → p05 ≥ 200 unless the baseline drops:
        // with both baseline resamples 0.96, target 0.864 and d = 100 still never qualifies.
        XCTAssertEqual(b.dInt90.p05, 200)
        // The same seed gives the same spread; the baseline's quantiles lie within its values.
        XCTAssertEqual(DInt90Estimator.estimate(records, threshold: 0.9, replicates: 2000, seed: 3), e)
        XCTAssertGreaterThanOrEqual(b.baselineAccuracy!.p05!, 0.96)
        XCTAssertLessThanOrEqual(b.baselineAccuracy!.p95!, 0.98)
    }

    func testSearchDoublesThenBisects() {
        // Accuracy rises with d and crosses 0.9 × 1.0 at d = 700 exactly.
        let search = SweepSearch(start: 100, limit: 100_000, resolution: 0.05, seeds: 2)
        var done: [SweepRecord] = []
        var order: [Int] = []
        while case let next = search.next(after: done, accuracy: .final, target: { _ in 0.9 }), !next.isEmpty {
            for run in next {
                XCTAssertEqual(run.index, done.count)
                let acc = run.d == 0 ? 0.98 : (run.d >= 700 ? 0.95 : 0.5)
                done.append(record(run.index, d: run.d, seed: run.seed, accuracy: acc))
            }
            order.append(next[0].d)
            XCTAssertLessThan(order.count, 30)
        }
        // Baseline, doubling 100…800, then bisection of (400, 800] down to a 5 % bracket.
        XCTAssertEqual(Array(order.prefix(5)), [0, 100, 200, 400, 800])
        // (400, 800] → 600 (below) → 700 (above) → 650 → 675 (below): 700 − 675 = 25 ≤ 5 % of 700, done.
        XCTAssertEqual(Array(order.dropFirst(5)), [600, 700, 650, 675])
        XCTAssertEqual(DInt90Estimator.estimate(done, threshold: 0.9, replicates: 0).dInt90Absolute, 700)
        // An interrupted d (one seed of two) is finished before anything else.
        let partial = Array(done.prefix(3))
        let resume = search.next(after: partial, accuracy: .final, target: { _ in 0.9 })
        XCTAssertEqual(resume.map(\.d), [100])
        XCTAssertEqual(resume.map(\.seed), [1])
    }

    func testJournalDropsAPartialLineAndRefusesAnotherConfiguration() throws {
        let dir = try Fixtures.temporaryDirectory("journal")
        let path = dir + "/journal.jsonl"
        var j = try SweepJournal.open(path, configuration: ["epochs": "10", "d": "5,10"])
        try j.append(record(0, d: 0, seed: 0, accuracy: 0.9))
        try j.append(record(1, d: 5, seed: 0, accuracy: 0.5))
        // A crash mid-append leaves a fragment without a newline.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile(); h.write(Data("{\"index\":2,\"d\":".utf8)); try h.close()
        var again = try SweepJournal.open(path, configuration: ["epochs": "10", "d": "5,10"])
        XCTAssertEqual(again.records.map(\.index), [0, 1])
        try again.append(record(2, d: 10, seed: 0, accuracy: 0.7))
        XCTAssertEqual(try SweepJournal.read(path).records.map(\.index), [0, 1, 2])
        XCTAssertThrowsError(try SweepJournal.open(path, configuration: ["epochs": "20", "d": "5,10"])) {
            XCTAssertTrue("\($0)".contains("--epochs: journal has 10, this sweep 20"), "\($0)")
        }
        try Data("not json\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.jsonl"))
        XCTAssertThrowsError(try SweepJournal.read(dir + "/bad.jsonl"))
    }

    func testGridAndShards() {
        let plan = SweepPlan.grid(dimensions: [300, 100, 100], seeds: 2, firstSeed: 5)
        XCTAssertEqual(plan.map(\.d), [0, 0, 100, 100, 300, 300])
        XCTAssertEqual(plan.map(\.seed), [5, 6, 5, 6, 5, 6])
        let shards = (1...4).map { SweepPlan.shard(plan, k: $0, of: 4) }
        XCTAssertEqual(shards.flatMap { $0 }.map(\.index).sorted(), Array(0..<6))
        XCTAssertEqual(shards[1].map(\.index), [1, 5])
    }
}
