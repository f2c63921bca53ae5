import Models
import CheckpointIO
import Training
import XCTest
import _TestSupport

/// One forward + backward pass on a fixed batch against the float64
/// reference of Tests/Fixtures/training/make_training_fixtures.py (numpy,
/// cross-checked there with PyTorch and finite differences), from the same
/// committed weights.
final class ReferenceGradientTests: XCTestCase {
    func check(_ kind: ModelKind) throws {
        let name = kind.rawValue
        let model = try kind.make(inputFeatures: 784, classes: 10)
        let meta = try XCTUnwrap(Fixtures.json("training/\(name)_meta.json") as? [String: Any])
        XCTAssertEqual(meta["parameter_count"] as? Int, model.layout.count)
        let tensors = try XCTUnwrap(meta["tensors"] as? [[Any]])
        XCTAssertEqual(tensors.map { $0[0] as! String }, model.layout.entries.map(\.name))
        XCTAssertEqual(tensors.map { $0[1] as! [Int] }, model.layout.entries.map(\.shape))
        let l2 = try XCTUnwrap(meta["l2"] as? Double)

        let theta = try ModelCheckpoint.load(Fixtures.path("training/\(name)_weights.safetensors"), layout: model.layout)
        let batch = try DatasetLoader.npz(path: Fixtures.path("training/\(name)_batch.npz"), classCount: 10).train
        XCTAssertEqual(batch.count, 8)
        let reference = try Checkpoint.open(Fixtures.path("training/\(name)_reference.safetensors"))
        func ref(_ t: String) throws -> [Double] { try XCTUnwrap(reference[t]).readDoubles() }

        let ws = model.makeWorkspace(batchCapacity: 8)
        var grad = [Float](repeating: .nan, count: model.layout.count)
        let r = theta.withUnsafeBufferPointer { t in
            batch.inputs.withUnsafeBufferPointer { x in
                batch.labels.withUnsafeBufferPointer { y in
                    grad.withUnsafeMutableBufferPointer { g in
                        model.evaluate(parameters: t.baseAddress!, inputs: x.baseAddress!, labels: y.baseAddress!,
                                       count: 8, gradient: g.baseAddress!, workspace: ws)
                    }
                }
            }
        }
        let logits = ws.logits(count: 8).map(Double.init)
        let refLogits = try ref("logits")
        let scale = refLogits.map(abs).max()!
        for (a, b) in zip(logits, refLogits) { assertClose(a, b, rtol: 0, atol: 2e-5 * scale, "\(name) logits") }
        let ce = r.lossSum / 8
        assertClose(ce, try ref("ce_loss")[0], rtol: 1e-5, "\(name) mean cross-entropy")
        let penalty = theta.reduce(0.0) { $0 + Double($1) * Double($1) } * l2 / 2
        assertClose(ce + penalty, try ref("loss")[0], rtol: 1e-5, "\(name) total loss")
        XCTAssertEqual(Double(r.correct), try ref("correct")[0])
        for e in model.layout.entries {
            let want = try ref("grad.\(e.name)")
            XCTAssertEqual(want.count, e.count)
            let got = (0..<e.count).map { Double(grad[e.offset + $0]) + l2 * Double(theta[e.offset + $0]) }
            let s = want.map(abs).max()!
            var worst = 0.0
            for (a, b) in zip(got, want) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThanOrEqual(worst, 1e-4 * s, "\(name) ∂L/∂\(e.name): max |diff| \(worst) vs max |grad| \(s)")
        }
    }

    func testFCMatchesNumPyReference() throws { try check(.fc) }
    func testLeNetMatchesNumPyReference() throws { try check(.lenet) }
}
