import Foundation
import Models
import Text
import XCTest
import _TestSupport
@testable import Training

/// Full fine-tuning of an encoder: AdamW against the update worked out by hand from
/// torch.optim.AdamW's definition, the schedule's values against
/// get_linear_schedule_with_warmup's formula, macro-F1 against a hand count, and the trainer on
/// the tiny committed encoder and a separable hand-made task (loss falls, accuracy clears the
/// majority floor, runs are bit-reproducible for a seed and across 1 and 2 threads).
final class EncoderTrainingTests: XCTestCase {
    func testAdamWMatchesTheHandComputedUpdate() {
        // θ = (1, 1, -2); element 0 and 2 decayed, element 1 not; lr 0.1, λ 0.01.
        var adam = AdamW(count: 3, decayedRanges: [0..<1, 2..<3], weightDecay: 0.01)
        var theta: [Float] = [1, 1, -2]
        let g1: [Float] = [0.5, 0.5, 3], g2: [Float] = [-0.25, -0.25, 1]
        adam.update(&theta, gradient: g1, learningRate: 0.1)
        // Step 1: m̂ = g, v̂ = g², so θ ← θ(1 − lrλ) − lr·g/(|g| + ε).
        XCTAssertEqual(Double(theta[0]), 0.999 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: 1e-6)
        XCTAssertEqual(Double(theta[1]), 1 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: 1e-6)
        XCTAssertEqual(Double(theta[2]), -2 * 0.999 - 0.1 * 3 / (3 + 1e-8), accuracy: 1e-6)
        let before = theta.map(Double.init)
        adam.update(&theta, gradient: g2, learningRate: 0.05)
        // Step 2 by hand: m = 0.9·0.1·g1 + 0.1·g2, v = 0.999·0.001·g1² + 0.001·g2², m̂ = m/0.19, v̂ = v/0.001999.
        for i in 0..<3 {
            let a = Double(g1[i]), b = Double(g2[i])
            let m = 0.9 * 0.1 * a + 0.1 * b, v = 0.999 * 0.001 * a * a + 0.001 * b * b
            let decayed = i == 1 ? before[i] : before[i] * (1 - 0.05 * 0.01)
            let expected = decayed - 0.05 * (m / 0.19) / ((v / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
            XCTAssertEqual(Double(theta[i]), expected, accuracy: 2e-6, "element \(i)")
        }
        XCTAssertEqual(adam.step, 2)
    }

    func testScheduleIsLinearWarmupThenLinearDecay() {
        let s = LinearWarmupSchedule(totalSteps: 10, warmupRatio: 0.2)
        XCTAssertEqual(s.warmupSteps, 2)
        XCTAssertEqual([0, 1, 2, 3, 9, 10].map { s.factor(step: $0) }, [0, 0.5, 1, 7.0 / 8, 1.0 / 8, 0])
        let none = LinearWarmupSchedule(totalSteps: 10, warmupRatio: 0)
        XCTAssertEqual([0, 5, 9].map { none.factor(step: $0) }, [1, 0.5, 0.1])
        XCTAssertEqual(LinearWarmupSchedule(totalSteps: 10, warmupRatio: 0.25).warmupSteps, 3) // ⌈2.5⌉
    }

    func testMacroF1ByHand() {
        // class 0: TP 1, FP 1, FN 1 → 0.5; class 1: TP 2, FP 1 → 0.8; class 2: FN 1 → 0; class 3 absent.
        XCTAssertEqual(ClassificationMetrics.macroF1(predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 1, 2], classCount: 4),
                       1.3 / 3, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.accuracy(predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 1, 2]), 0.6)
    }

    func testDecayExcludesBiasesAndLayerNormWeights() throws {
        let model = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny")).model
        let decayed = Set(EncoderTrainer.decayedRanges(model.layout).map(\.lowerBound))
        for e in model.layout.entries {
            let expected = e.name.hasSuffix(".weight") && !e.name.contains("LayerNorm")
            XCTAssertEqual(decayed.contains(e.offset), expected, e.name)
        }
    }

    private func trainer(_ dir: String, seed: UInt64 = 3, threads: Int = 1, epochs: Int = 12) throws -> EncoderTrainer {
        let task = try TextTask(train: dir + "/train.tsv", test: dir + "/test.tsv", columns: TextColumns(text: "text", label: "label"))
        let checkpoint = try EncoderCheckpoint.load(folder: dir, labels: task.labels, seed: seed)
        var o = EncoderTrainingOptions()
        o.epochs = epochs
        o.batchSize = 8
        o.learningRate = 3e-3
        o.warmupRatio = 0.1
        o.maxLength = 16
        o.seed = seed
        return try EncoderTrainer(model: checkpoint.model, parameters: checkpoint.parameters, task: task,
                                  tokenizer: try BertTokenizer(directory: dir), options: o, threads: threads)
    }

    func testLossFallsAndAccuracyClearsTheMajorityFloor() throws {
        let dir = try TinyTextTask.make()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let t = try trainer(dir)
        XCTAssertEqual(t.totalSteps, 12 * 8)
        let initial = t.evaluate(t.initialParameters)
        let r = try t.run()
        XCTAssertEqual(r.status, .ok)
        XCTAssertEqual(r.steps, 96)
        XCTAssertLessThan(r.epochs.last!.trainLoss, 0.7 * r.epochs.first!.trainLoss)
        XCTAssertLessThan(r.epochs.last!.testLoss, initial.loss)
        XCTAssertGreaterThanOrEqual(r.finalTestAccuracy, 0.6, "majority floor 1/3")
        XCTAssertGreaterThan(r.finalTestMacroF1, 0.5)
        XCTAssertEqual(r.testPredictions.count, 30)
        // The last step's rate is lr·(N − k)/(N − w) at k = N − 1, w = ⌈9.6⌉ = 10.
        XCTAssertEqual(r.epochs.last!.learningRate, Double(Float(3e-3)) / 86, accuracy: 1e-12)
    }

    func testRunsAreBitReproducibleForASeedAndAcrossThreads() throws {
        let dir = try TinyTextTask.make()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let a = try trainer(dir, epochs: 2).run()
        let b = try trainer(dir, epochs: 2).run()
        let c = try trainer(dir, threads: 2, epochs: 2).run()
        let d = try trainer(dir, seed: 4, epochs: 2).run()
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(a.parameters, c.parameters, "the encoder's kernels split by size, not by threads")
        XCTAssertEqual(a.testLogits, c.testLogits)
        XCTAssertNotEqual(a.parameters, d.parameters)
    }
}
