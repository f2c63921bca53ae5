import Foundation
import XCTest
import _TestSupport

/// End-to-end tests of `intrinsic-dim train --model DIR --mode full` on the tiny encoder and
/// hand-made task of ``TinyTextTask``: the run folder's files and fields, and bad input as one
/// line naming the file with nothing written; impossible options exit 64.
final class TrainEncoderCommandTests: XCTestCase {
    func testRunFolderHoldsMetricsPredictionsAndATransformersModel() throws {
        let dir = try TinyTextTask.make()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/run"
        let r = try CommandRunner.run(["train", "--model", dir, "--dataset", dir + "/train.tsv", "--test-dataset", dir + "/test.tsv",
                                       "--mode", "full", "--epochs", "2", "--batch-size", "8", "--lr", "3e-3", "--max-length", "16",
                                       "--train-limit", "40", "--warmup-ratio", "0.1", "--seed", "5", "--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.first, "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,test_macro_f1,majority_test_accuracy,learning_rate,seconds")
        XCTAssertEqual(metrics.count, 3)
        let run = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as? [String: Any])
        XCTAssertEqual(run["mode"] as? String, "full")
        XCTAssertEqual(run["id2label"] as? [String: String], ["0": "neg", "1": "neu", "2": "pos"])
        XCTAssertEqual(run["steps"] as? Int, 10) // 2 epochs × ⌈40 / 8⌉
        XCTAssertEqual(run["majority_test_accuracy"] as? Double, 1.0 / 3)
        let dataset = try XCTUnwrap(run["dataset"] as? [String: Any])
        XCTAssertEqual(dataset["max_length"] as? Int, 16)
        XCTAssertEqual(dataset["train_limit"] as? Int, 40)
        XCTAssertEqual(dataset["train_examples"] as? Int, 40)
        let options = try XCTUnwrap(run["options"] as? [String: Any])
        XCTAssertEqual(options["weight_decay"] as? Double ?? 0, 0.01, accuracy: 1e-7)
        XCTAssertEqual(options["warmup_ratio"] as? Double, 0.1)
        let predictions = try String(contentsOfFile: out + "/predictions.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(predictions.first, "index,label,prediction,logit_0,logit_1,logit_2")
        XCTAssertEqual(predictions.count, 31)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as? [String: Any])
        XCTAssertEqual(config["num_labels"] as? Int, 3)
        XCTAssertEqual(config["architectures"] as? [String], ["BertForSequenceClassification"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        let dir = try TinyTextTask.make(train: 6, test: 3)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let noConfig = try Fixtures.temporaryDirectory("noconfig")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: noConfig) }
        let base = ["train", "--mode", "full", "--epochs", "1", "--out", dir + "/out"]
        let cases: [([String], String)] = [
            (["--model", noConfig, "--dataset", dir + "/train.tsv", "--test-dataset", dir + "/test.tsv"], noConfig + "/config.json"),
            (["--model", dir, "--dataset", dir + "/train.tsv", "--test-dataset", dir + "/test.tsv", "--label-column", "topic"], dir + "/train.tsv:1: column 'topic'"),
            (["--model", dir, "--dataset", "reuters-r8", "--data-dir", dir + "/none"], dir + "/none/text/reuters-r8-train.tab"),
        ]
        for (args, named) in cases {
            let r = try CommandRunner.run(base + args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("intrinsic-dim train: error: ") && r.stderr.contains(named), "\(named): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"), "\(args)")
        }
    }

    func testImpossibleOptionsAreUsageErrors() throws {
        let dir = try TinyTextTask.make(train: 6, test: 3)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let files = ["--dataset", dir + "/train.tsv", "--test-dataset", dir + "/test.tsv", "--out", dir + "/out"]
        for args in [["--mode", "subspace"] + files, ["--mode", "lora", "--d", "50"] + files, ["--mode", "full", "--rank", "2"] + files,
                     ["--mode", "lora", "--rank", "2", "--projection", "dense"] + files, ["--classes", "4"] + files,
                     ["--max-length", "2"] + files, ["--train-limit", "0"] + files,
                     ["--dataset", "no-such-task", "--out", dir + "/out"], ["--dataset", dir + "/train.tsv", "--out", dir + "/out"]] {
            let r = try CommandRunner.run(["train", "--model", dir] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
        let fc = try CommandRunner.run(["train", "--max-length", "16", "--out", dir + "/out"])
        XCTAssertEqual(fc.status, 64, fc.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
