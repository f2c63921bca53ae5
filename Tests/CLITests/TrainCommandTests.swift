import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// `intrinsic-dim train` end to end: the files it writes and its bad-input errors.
final class TrainCommandTests: XCTestCase {
    var dir = ""
    /// 12 numpy-written examples of 8×8 uint8 pixels, 4 classes (D = 54,004 for fc).
    let small = Fixtures.path("training/datasets/good_u8_labels.npz")
    var data: [String] { ["--data-dir", Fixtures.root + "/data"] }

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory("train") }

    func testSubspaceRunWritesEveryFile() throws {
        let out = dir + "/run"
        let r = try CommandRunner.run(["train", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                                       "--mode", "subspace", "--projection", "sparse", "--d", "40", "--epochs", "3",
                                       "--seed", "7", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(files, ["metrics.csv", "model.safetensors", "projection.json", "run.json", "theta_d.npy"])
        let metrics = Fixtures.parseCSV(try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8))
        XCTAssertEqual(Fixtures.csvColumns(try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)),
                       ["epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"])
        XCTAssertEqual(metrics.map { $0["epoch"] }, ["1", "2", "3"])
        let run = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as? [String: Any])
        XCTAssertEqual(run["full_dimension"] as? Int, 54004)
        XCTAssertEqual(run["subspace_dimension"] as? Int, 40)
        XCTAssertEqual(run["status"] as? String, "ok")
        XCTAssertEqual(run["final_test_accuracy"] as? Double, Double(metrics.last!["test_accuracy"]!))
        let spec = try XCTUnwrap(run["specification"] as? [String: Any])
        XCTAssertEqual((spec["options"] as? [String: Any])?["seed"] as? Int, 7)
        let proj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/projection.json"))) as? [String: Any])
        XCTAssertEqual(proj["kind"] as? String, "sparse")
        XCTAssertEqual(proj["subspaceDimension"] as? Int, 40)
        // The same command again gives the same bytes of θ_D.
        let again = try CommandRunner.run(["train", "--model", "fc", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                                           "--mode", "subspace", "--projection", "sparse", "--d", "40", "--epochs", "3",
                                           "--seed", "7", "--threads", "1", "--out", dir + "/again"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: out + "/model.safetensors"),
                       FileManager.default.contents(atPath: dir + "/again/model.safetensors"))
    }

    func testSAIDCountsItsScalesInD() throws {
        let out = dir + "/said"
        let r = try CommandRunner.run(["train", "--dataset", small, "--classes", "4", "--test-fraction", "0.25", "--epochs", "2",
                                       "--mode", "subspace", "--projection", "sparse", "--said", "--d", "30", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let theta = try NPYFile(path: out + "/theta_d.npy").tensor
        XCTAssertEqual(theta.shape, [30])  // 24 projected + 6 per-tensor scales
        let proj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/projection.json"))) as? [String: Any])
        XCTAssertEqual(proj["tensorSizes"] as? [Int], [12800, 200, 40000, 200, 800, 4])
        let bad = try CommandRunner.run(["train", "--dataset", small, "--classes", "4", "--mode", "subspace", "--said", "--d", "6",
                                         "--out", dir + "/said-bad"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--d") && bad.stderr.contains("6 per-tensor scales"), bad.stderr)
    }

    func testInitCheckpointStartsFromItsWeights() throws {
        // One full run; a subspace run from its weights with --init and a vanishing learning rate ends where it started.
        let base = dir + "/base"
        XCTAssertEqual(try CommandRunner.run(["train", "--dataset", small, "--classes", "4", "--test-fraction", "0.25",
                                              "--epochs", "2", "--out", base]).status, 0)
        let tuned = dir + "/tuned"
        let r = try CommandRunner.run(["train", "--dataset", small, "--classes", "4", "--test-fraction", "0.25", "--epochs", "1",
                                       "--mode", "subspace", "--projection", "dense", "--d", "10", "--lr", "1e-30",
                                       "--init", base + "/model.safetensors", "--out", tuned])
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try Checkpoint.open(base + "/model.safetensors"), b = try Checkpoint.open(tuned + "/model.safetensors")
        XCTAssertEqual(a.tensors.map(\.name), b.tensors.map(\.name))
        for t in a.tensors {
            let x = try t.readDoubles(), y = try XCTUnwrap(b[t.name]).readDoubles()
            XCTAssertLessThanOrEqual(zip(x, y).map { abs($0 - $1) }.max()!, 1e-20, t.name)
        }
    }

    func assertFails(_ args: [String], status: Int32 = 1, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let out = dir + "/fail-\(UUID().uuidString)"
        let r = try CommandRunner.run(["train"] + args + ["--out", out])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        let text = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if status == 1 {
            XCTAssertEqual(text.split(separator: "\n").count, 1, "one line: \(text)", file: file, line: line)
            XCTAssertTrue(text.hasPrefix("intrinsic-dim train: error: "), text, file: file, line: line)
        }
        for m in mentions { XCTAssertTrue(text.contains(m), "\(m) in: \(text)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/run.json"), "no output", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/model.safetensors"), "no output", file: file, line: line)
    }

    func testBadInputsAreOneLineErrors() throws {
        let ds = Fixtures.path("training/datasets/")
        try assertFails(["--dataset", small, "--classes", "4", "--mode", "subspace", "--d", "60000"], mentions: ["--d", "54004"])
        try assertFails(["--dataset", small, "--classes", "4", "--mode", "subspace", "--d", "0"], status: 64, mentions: ["--d"])
        try assertFails(["--dataset", ds + "length_mismatch.npz"], mentions: ["length_mismatch.npz", "'y'", "19 labels", "20 examples"])
        try assertFails(["--dataset", ds + "label_out_of_range.npz"], mentions: ["label_out_of_range.npz", "label 10 at index 7"])
        try assertFails(["--dataset", ds + "nan_pixels.npz"], mentions: ["nan_pixels.npz", "NaN"])
        try assertFails(["--dataset", small, "--classes", "4", "--model", "lenet"], mentions: ["--model", "28×28"])
        try assertFails(["--dataset", Fixtures.path("idx/truncated_data.idx")], mentions: ["--dataset"])
        try assertFails(["--dataset", small, "--classes", "4", "--init", Fixtures.path("training/fc_weights.safetensors")],
                        mentions: ["fc_weights.safetensors", "fc1.weight", "[200, 784]", "[200, 64]"])
        try assertFails(["--dataset", small, "--classes", "4", "--init", Fixtures.path("training/lenet_weights.safetensors")],
                        mentions: ["lenet_weights.safetensors", "fc1.weight"])
        try assertFails(["--dataset", small, "--classes", "4", "--epochs", "0"], status: 64, mentions: ["--epochs"])
        try assertFails(["--dataset", small, "--classes", "4", "--beta2", "1.5"], status: 64, mentions: ["--beta2"])
    }

    func testTruncatedMNISTIsNamed() throws {
        // A data directory whose mnist/ labels file is cut short.
        let data = dir + "/data/mnist"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for f in ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(atPath: Fixtures.root + "/data/mnist/" + f, toPath: data + "/" + f)
        }
        let labels = try Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/data/mnist/train-labels-idx1-ubyte.gz"))
        try labels.prefix(labels.count / 2).write(to: URL(fileURLWithPath: data + "/train-labels-idx1-ubyte.gz"))
        try assertFails(["--data-dir", dir + "/data", "--epochs", "1"], mentions: ["train-labels-idx1-ubyte.gz"])
    }
}
