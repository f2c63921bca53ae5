import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// The PEFT config policy exists once (`LoRAAdapterConfig.patterned`): the same per-module ranks
/// written by LoRA training and by extraction give the same `adapter_config.json` fields.
final class PEFTConfigPolicyTests: XCTestCase {
    let small = Fixtures.path("training/datasets/good_u8_labels.npz")

    func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any], path)
    }

    func testTrainingAndExtractionWriteTheSameFieldsForTheSameRanks() throws {
        let dir = try Fixtures.temporaryDirectory("peft-policy")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25", "--epochs", "2", "--threads", "1"]
        for args in [["train"] + common + ["--out", dir + "/base"],
                     // 64-200-200-4: fc3 is 4 × 200, so rank 5 is capped at 4 there (keeping s = α/r = 1).
                     ["train"] + common + ["--mode", "lora", "--rank", "5", "--cap-rank", "--lr", "0.01",
                                           "--init", dir + "/base/model.safetensors", "--out", dir + "/lora"],
                     // ΔW of that run has rank ≤ 5 per layer; extract it at r = 5 (clamped to min(rows, cols)).
                     ["extract-lora", "--base", dir + "/base/model.safetensors", "--tuned", dir + "/lora/model.safetensors",
                      "--rank", "5", "--out", dir + "/extracted"]] {
            let r = try CommandRunner.run(args)
            XCTAssertEqual(r.status, 0, "\(args[0]): \(r.stderr)")
        }
        let trained = try json(dir + "/lora/adapter/adapter_config.json")
        let extracted = try json(dir + "/extracted/adapter_config.json")
        // The ranks both wrote, by hand: 5, 5 and 4, α = r per module.
        XCTAssertEqual(trained["r"] as? Int, 5)
        XCTAssertEqual(trained["lora_alpha"] as? Double, 5)
        XCTAssertEqual(trained["rank_pattern"] as? [String: Int], ["fc3": 4])
        XCTAssertEqual(trained["alpha_pattern"] as? [String: Double], ["fc3": 4])
        XCTAssertEqual(trained["target_modules"] as? [String], ["fc1", "fc2", "fc3"])
        for key in ["r", "lora_alpha", "rank_pattern", "alpha_pattern", "target_modules", "use_rslora", "peft_type", "fan_in_fan_out"] {
            XCTAssertEqual(trained[key] as? NSObject, extracted[key] as? NSObject, key)
        }
        // And both read back to the same per-module (r, s).
        let a = try LoRAAdapterConfig(path: dir + "/lora/adapter/adapter_config.json")
        let b = try LoRAAdapterConfig(path: dir + "/extracted/adapter_config.json")
        for module in ["fc1", "fc2", "fc3"] {
            XCTAssertEqual(a.rank(for: module), b.rank(for: module), module)
            XCTAssertEqual(a.scaling(for: module), b.scaling(for: module), module)
        }
    }
}
