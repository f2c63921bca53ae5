import Foundation
import Models
import Projections
import XCTest
import _TestSupport

/// Counter-based dropout: masks are functions of (seed, site, step, element).
final class DropoutTests: XCTestCase {
    func mask(_ d: DropoutStream, site: Int, p: Double, from start: Int = 0, count: Int) -> [UInt8] {
        var m = [UInt8](repeating: 9, count: count)
        m.withUnsafeMutableBufferPointer { d.fillMask(site: site, probability: p, from: start, into: $0) }
        return m
    }

    func testMasksAreReproducibleAndDifferByStepSiteAndSeed() {
        let a = mask(DropoutStream(seed: 5, step: 2), site: 3, p: 0.1, count: 10_000)
        XCTAssertEqual(a, mask(DropoutStream(seed: 5, step: 2), site: 3, p: 0.1, count: 10_000))
        for other in [mask(DropoutStream(seed: 5, step: 3), site: 3, p: 0.1, count: 10_000),
                      mask(DropoutStream(seed: 5, step: 2), site: 4, p: 0.1, count: 10_000),
                      mask(DropoutStream(seed: 6, step: 2), site: 3, p: 0.1, count: 10_000)] {
            let differ = zip(a, other).filter { $0 != $1 }.count
            // Independent masks differ in 2p(1−p) = 18 % of elements.
            XCTAssertGreaterThan(differ, 1_500)
        }
        XCTAssertTrue(a.allSatisfy { $0 <= 1 })
    }

    func testAnyRangeEqualsTheElementwiseDefinition() {
        let d = DropoutStream(seed: 11, step: 7)
        let whole = mask(d, site: 2, p: 0.3, count: 203)
        XCTAssertEqual(Array(whole[13..<190]), mask(d, site: 2, p: 0.3, from: 13, count: 177))
        for k in 0..<203 { XCTAssertEqual(whole[k] == 1, d.keeps(site: 2, element: k, probability: 0.3)) }
        // Element k reads 32-bit word k mod 8 of Philox block (k/8, step) under key (seed, dropout stream of the site).
        let philox = Philox4x64(key: 11, RandomStream.id(kind: .dropout, group: 2, index: 0))
        let b = philox.block(1, 7, 0, 0)
        let words = [b.0, b.1, b.2, b.3].flatMap { [$0 & 0xFFFF_FFFF, $0 >> 32] }
        let threshold = UInt64((0.3 * 4294967296.0).rounded())
        for k in 8..<16 { XCTAssertEqual(whole[k] == 1, words[k - 8] >= threshold) }
    }

    func testKeepRate() {
        let n = 1_000_000
        for p in [0.1, 0.5] {
            let kept = mask(DropoutStream(seed: 1, step: 0), site: 0, p: p, count: n).reduce(0) { $0 + Int($1) }
            let sd = (p * (1 - p) / Double(n)).squareRoot()
            XCTAssertLessThan(abs(Double(kept) / Double(n) - (1 - p)), 5 * sd, "keep rate at p = \(p)")
        }
        XCTAssertEqual(mask(DropoutStream(seed: 1, step: 0), site: 0, p: 0, count: 1000), [UInt8](repeating: 1, count: 1000))
    }

    /// With dropout on, the gradient is that of the masked network: a central
    /// difference along the gradient under the same masks gives ‖g‖.
    func testTrainingGradientMatchesFiniteDifference() throws {
        let loaded = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny"))
        var configuration = loaded.model.configuration
        configuration.hiddenDropout = 0.2
        configuration.attentionDropout = 0.3
        configuration.classifierDropout = 0.25
        let model = BertClassifier(configuration: configuration)
        let ref = try EncoderFixtures.reference("tiny_reference.safetensors")
        let batch = try EncoderFixtures.batch(ref, prefix: "pair.")
        let d = DropoutStream(seed: 3, step: 1)
        let base = EncoderFixtures.run(model, loaded.parameters, batch, dropout: d)
        let eval = EncoderFixtures.run(model, loaded.parameters, batch, dropout: nil)
        XCTAssertNotEqual(base.logits, eval.logits, "dropout changes the training-mode logits")
        XCTAssertNotEqual(base.logits, EncoderFixtures.run(model, loaded.parameters, batch, dropout: DropoutStream(seed: 3, step: 2)).logits)
        let g = base.gradient.map(Double.init)
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        func loss(_ step: Double) -> Double {
            let theta = zip(loaded.parameters, g).map { Float(Double($0) + step * $1 / norm) }
            let r = EncoderFixtures.run(model, theta, batch, dropout: d, gradient: false).result
            return r.lossSum / Double(batch.count)
        }
        let eps = 1e-3
        let fd = (loss(eps) - loss(-eps)) / (2 * eps)
        print("encoder dropout: finite difference along g \(fd) vs ‖g‖ \(norm), relative \(abs(fd - norm) / norm)")
        // The O(ε²) term dominates: 7.6e-4 at ε = 2e-3, 2.0e-4 at ε = 1e-3 (a gradient error would not shrink).
        XCTAssertEqual(fd, norm, accuracy: 1e-3 * norm, "directional derivative along g")
    }

    func testZeroProbabilityTrainingEqualsEval() throws {
        let loaded = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny"))
        var configuration = loaded.model.configuration
        configuration.hiddenDropout = 0
        configuration.attentionDropout = 0
        configuration.classifierDropout = 0
        let model = BertClassifier(configuration: configuration)
        let batch = try EncoderFixtures.batch(try EncoderFixtures.reference("tiny_reference.safetensors"), prefix: "single.")
        let train = EncoderFixtures.run(model, loaded.parameters, batch, dropout: DropoutStream(seed: 1, step: 0))
        let eval = EncoderFixtures.run(model, loaded.parameters, batch, dropout: nil)
        XCTAssertEqual(train.logits, eval.logits)
        XCTAssertEqual(train.gradient, eval.gradient)
    }
}

/// Thread-count independence where the work really splits: a model built in code
/// whose T·H and T·I exceed the kernels' split thresholds and whose GEMMs have several row blocks.
final class ThreadIndependenceTests: XCTestCase {
    func testOneAndTwoThreadsAreBitIdenticalOnSplitWork() throws {
        let c = BertConfiguration(vocabularySize: 50, hiddenSize: 64, layerCount: 2, headCount: 4, intermediateSize: 256,
                                  activation: .gelu, hiddenDropout: 0.1, attentionDropout: 0.1, maxPositions: 64,
                                  labelCount: 3)
        let model = BertClassifier(configuration: c)
        let stream = RandomStream(seed: 77, kind: .initialization, group: 0)
        var normals = [Double](repeating: 0, count: model.layout.count)
        normals.withUnsafeMutableBufferPointer { stream.fillNormals(from: 0, into: $0) }
        var theta = normals.map { Float($0 * 0.1) }
        for e in model.layout.entries where e.name.hasSuffix("LayerNorm.weight") { for k in e.range { theta[k] += 1 } }
        let n = 4, l = 64  // T·H = 2¹⁴, T·I = 2¹⁶, four GEMM row blocks
        let ids = (0..<(n * l)).map { Int32(5 + ($0 * 7919) % 45) }
        var mask = [Int32](repeating: 1, count: n * l)
        for b in 0..<n { for i in (l - 9 * b)..<l { mask[b * l + i] = 0 } }
        let batch = EncoderBatch(count: n, length: l, tokenIDs: ids, attentionMask: mask, labels: (0..<n).map { Int32($0 % 3) })
        try model.validate(batch)
        let d = DropoutStream(seed: 2, step: 5)
        let one = EncoderFixtures.run(model, theta, batch, dropout: d, threads: 1)
        let two = EncoderFixtures.run(model, theta, batch, dropout: d, threads: 2)
        XCTAssertTrue(one.gradient.allSatisfy(\.isFinite))
        XCTAssertEqual(one.logits, two.logits)
        XCTAssertEqual(one.result, two.result)
        XCTAssertEqual(one.gradient, two.gradient)
    }
}
