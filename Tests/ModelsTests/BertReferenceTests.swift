import CheckpointIO
import Foundation
import Models
import XCTest
import _TestSupport

/// Our forward and backward against transformers' BertForSequenceClassification
/// and torch autograd (float64), on the committed tiny model and on the MiniLM base.
final class BertReferenceTests: XCTestCase {
    func checkTiny(_ key: String) throws {
        let loaded = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny"))
        XCTAssertEqual(loaded.initializedTensors, [])
        XCTAssertEqual(loaded.model.configuration.labels, ["neg", "neu", "pos"])
        let ref = try EncoderFixtures.reference("tiny_reference.safetensors")
        let batch = try EncoderFixtures.batch(ref, prefix: key + ".")
        XCTAssertTrue(batch.attentionMask.contains(0), "the batch is padded")
        try loaded.model.validate(batch)
        let (logits, result, grad) = EncoderFixtures.run(loaded.model, loaded.parameters, batch)
        let logitError = EncoderFixtures.relativeMax(logits, try EncoderFixtures.doubles(ref, key + ".logits"))
        XCTAssertLessThanOrEqual(logitError, 1e-4, "\(key) logits")
        let loss = try EncoderFixtures.doubles(ref, key + ".loss")[0]
        assertClose(result.lossSum / Double(batch.count), loss, rtol: 1e-5, "\(key) loss")
        var worst = (0.0, "")
        let layout = loaded.model.layout
        let queryBias = layout["bert.encoder.layer.0.attention.self.query.bias"]!
        for e in layout.entries {
            let want = try EncoderFixtures.doubles(ref, "\(key).grad.\(e.name)")
            XCTAssertEqual(want.count, e.count, e.name)
            if e.name.hasSuffix("attention.self.key.bias") {
                // Zero in exact arithmetic: hold it to rounding noise relative to a real gradient.
                let norm = grad[e.range].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                let q = grad[queryBias.range].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                XCTAssertLessThanOrEqual(norm, 1e-4 * q, "\(key) ∂L/∂\(e.name) should vanish")
                continue
            }
            let r = EncoderFixtures.relativeNorm(grad[e.range], want)
            if r > worst.0 { worst = (r, e.name) }
            XCTAssertLessThanOrEqual(r, 1e-3, "\(key) ∂L/∂\(e.name): relative error \(r)")
        }
        print("encoder \(key): logits rel \(logitError), worst gradient rel \(worst.0) (\(worst.1))")
    }

    func testTinySingleTextsMatchTransformers() throws { try checkTiny("single") }
    func testTinyPairsMatchTransformers() throws { try checkTiny("pair") }

    /// 1 and 2 threads run the same operations per block and head: bit-identical, dropout on.
    func testThreadCountDoesNotChangeResults() throws {
        let loaded = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny"))
        let ref = try EncoderFixtures.reference("tiny_reference.safetensors")
        let batch = try EncoderFixtures.batch(ref, prefix: "pair.")
        let d = DropoutStream(seed: 7, step: 3)
        let one = EncoderFixtures.run(loaded.model, loaded.parameters, batch, dropout: d, threads: 1)
        let two = EncoderFixtures.run(loaded.model, loaded.parameters, batch, dropout: d, threads: 2)
        XCTAssertEqual(one.logits, two.logits)
        XCTAssertEqual(one.gradient, two.gradient)
        XCTAssertEqual(one.result, two.result)
    }

    /// The MiniLM base (data/finetune-pair) with a saved head against transformers, float64.
    func testMiniLMMatchesTransformers() throws {
        let weights = Fixtures.root + "/data/finetune-pair/base/model.safetensors"
        guard FileManager.default.fileExists(atPath: weights) else {
            throw XCTSkip("\(weights) is missing: scripts/fetch-finetune-pair.sh fetches it")
        }
        let folder = try Fixtures.temporaryDirectory("minilm")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/model.safetensors", withDestinationPath: weights)
        try FileManager.default.copyItem(atPath: Fixtures.path("encoder/minilm/config.json"), toPath: folder + "/config.json")
        let t0 = Date()
        var loaded = try EncoderCheckpoint.load(folder: folder, labels: ["a", "b", "c"], seed: 1)
        print("encoder MiniLM: load \(Date().timeIntervalSince(t0)) s")
        XCTAssertEqual(loaded.initializedTensors, ["classifier.weight", "classifier.bias"])
        XCTAssertEqual(loaded.ignoredTensors, ["embeddings.position_ids"])
        let ref = try EncoderFixtures.reference("minilm_reference.safetensors")
        let layout = loaded.model.layout
        for name in ["classifier.weight", "classifier.bias"] {
            let v = try EncoderFixtures.doubles(ref, name)
            for (k, x) in v.enumerated() { loaded.parameters[layout[name]!.offset + k] = Float(x) }
        }
        let batch = try EncoderFixtures.batch(ref, prefix: "")
        try loaded.model.validate(batch)
        let t1 = Date()
        let (logits, result, grad) = EncoderFixtures.run(loaded.model, loaded.parameters, batch, threads: 2)
        print("encoder MiniLM: forward + backward \(Date().timeIntervalSince(t1)) s")
        let logitError = EncoderFixtures.relativeMax(logits, try EncoderFixtures.doubles(ref, "logits"))
        XCTAssertLessThanOrEqual(logitError, 1e-4, "MiniLM logits")
        assertClose(result.lossSum / Double(batch.count), try EncoderFixtures.doubles(ref, "loss")[0], rtol: 1e-4, "MiniLM loss")
        var worst = (0.0, "")
        for e in layout.entries where !e.name.hasSuffix("attention.self.key.bias") {
            let bare = e.name.hasPrefix("bert.") ? String(e.name.dropFirst(5)) : e.name
            let torchName = "bert." + bare == e.name ? e.name : e.name
            let wantNorm = try EncoderFixtures.doubles(ref, "grad_norm." + torchName)[0]
            let norm = grad[e.range].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertLessThanOrEqual(abs(norm - wantNorm), 1e-3 * wantNorm, "MiniLM ‖∂L/∂\(e.name)‖")
            if let full = ref["grad." + torchName] {
                let r = EncoderFixtures.relativeNorm(grad[e.range], try full.readDoubles())
                if r > worst.0 { worst = (r, e.name) }
                XCTAssertLessThanOrEqual(r, 1e-3, "MiniLM ∂L/∂\(e.name): relative error \(r)")
            }
        }
        print("encoder MiniLM: logits rel \(logitError), worst gradient rel \(worst.0) (\(worst.1))")
    }
}
