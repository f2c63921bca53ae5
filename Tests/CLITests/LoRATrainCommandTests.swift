import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// `intrinsic-dim train --mode lora` end to end: its adapter is a PEFT folder our
/// reader takes, `merge` of it onto the `--init` base gives the run's
/// `model.safetensors`, and bad input gives one-line errors with nothing written.
final class LoRATrainCommandTests: XCTestCase {
    var dir = ""
    /// 12 numpy-written examples of 8×8 uint8 pixels, 4 classes (fc: 64-200-200-4).
    let small = Fixtures.path("training/datasets/good_u8_labels.npz")
    override func setUpWithError() throws {
        dir = try Fixtures.temporaryDirectory("lora-train")
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    func train(_ extra: [String], out: String) throws -> CommandRunner.Output {
        try CommandRunner.run(["train", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                               "--epochs", "3", "--lr", "0.01", "--seed", "5", "--out", out] + extra)
    }

    func testAdapterAndMergedModelFromAnInitBase() throws {
        let base = dir + "/base"
        XCTAssertEqual(try train(["--mode", "full"], out: base).status, 0)
        let out = dir + "/lora"
        let r = try train(["--mode", "lora", "--rank", "4", "--alpha", "8", "--targets", "fc1,fc3", "--init", base + "/model.safetensors"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["adapter", "metrics.csv", "model.safetensors", "run.json"])
        let run = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as? [String: Any])
        XCTAssertEqual(run["mode"] as? String, "lora")
        XCTAssertEqual(run["trainable_parameters"] as? Int, 4 * (64 + 200) + 4 * (200 + 4))
        XCTAssertEqual(run["full_dimension"] as? Int, 54004)
        // The adapter, as our PEFT reader sees it.
        let adapter = try LoRAAdapter(path: out + "/adapter")
        XCTAssertEqual(adapter.modules.map(\.path), ["fc1", "fc3"])
        XCTAssertEqual(adapter.modules.map(\.scaling), [2, 2])
        XCTAssertEqual(adapter.modules[0].a.shape, [4, 64])
        XCTAssertEqual(adapter.modules[0].b.shape, [200, 4])
        XCTAssertTrue(adapter.modules.allSatisfy { $0.a.dtype == .f32 })
        // merge(adapter onto the base) = the run's merged weights (Float32 rounding apart).
        let merged = dir + "/merged.safetensors"
        let m = try CommandRunner.run(["merge", "--base", base + "/model.safetensors", "--adapter", out + "/adapter", "--out", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        let ours = try Checkpoint.open(out + "/model.safetensors"), theirs = try Checkpoint.open(merged)
        let baseModel = try Checkpoint.open(base + "/model.safetensors")
        for t in ours.tensors {
            let a = try t.readDoubles(), b = try theirs[t.name]!.readDoubles()
            let scale = b.map(abs).max()!
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-6 * scale, "\(t.name): run's model vs merge")
            if ["fc2.weight", "fc1.bias", "fc2.bias", "fc3.bias"].contains(t.name) {
                XCTAssertEqual(a, try baseModel[t.name]!.readDoubles(), "\(t.name) stays at the base")
            } else {
                XCTAssertNotEqual(a, try baseModel[t.name]!.readDoubles(), "\(t.name) is adapted")
            }
        }
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        let cases: [([String], Int32, String)] = [
            (["--mode", "lora", "--rank", "0"], 64, "--rank"),
            (["--mode", "lora"], 64, "--rank"),
            (["--mode", "lora", "--rank", "4", "--d", "10"], 64, "--d"),
            (["--mode", "full", "--rank", "4"], 64, "--mode lora"),
            (["--mode", "lora", "--rank", "5"], 1, "fc3.weight"),            // 5 > min(4, 200)
            (["--mode", "lora", "--rank", "5"], 1, "--cap-rank"),            // … and says how to cap it
            (["--mode", "full", "--cap-rank"], 64, "--mode lora"),
            (["--mode", "lora", "--rank", "2", "--targets", "fc1,conv9"], 1, "conv9"),
            (["--mode", "lora", "--rank", "2", "--alpha", "-1"], 64, "--alpha"),
            (["--mode", "lora", "--rank", "2", "--init", Fixtures.path("training/fc_weights.safetensors")], 1, "fc1.weight"),
        ]
        for (k, (args, status, mention)) in cases.enumerated() {
            let out = dir + "/bad\(k)"
            let r = try train(args, out: out)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args) should mention \(mention): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(args): nothing written")
        }
    }
}
