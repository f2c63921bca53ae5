import Foundation
import IntrinsicDim
import XCTest
import _TestSupport

/// `intrinsic-dim experiment finetune` on a tiny numpy-written dataset: every part's folder, the
/// summary recomputed from the parts' own outputs, and a rerun that resumes to the same result.
final class ExperimentCommandTests: XCTestCase {
    /// MNIST t10k images 0–599 / 600–799, labels as they are and permuted: two tasks on the same inputs.
    let mnist = Fixtures.path("training/datasets/mnist_subset.npz")
    let permuted = Fixtures.path("training/datasets/mnist_subset_permuted.npz")

    func testFinetuneExperimentComposesItsPartsAndResumes() throws {
        let dir = try Fixtures.temporaryDirectory("experiment")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/exp"
        let args = ["experiment", "finetune", "--model", "fc", "--pretrain", permuted, "--task", mnist,
                    "--d", "20,40", "--ranks", "1,2", "--seeds", "2", "--epochs", "2", "--pretrain-epochs", "3",
                    "--lora-lr", "0.01", "--subspace-lr", "0.01", "--wht", "fftw", "--out", out]
        let r = try CommandRunner.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        for part in ["pretrain/model.safetensors", "subspace/journal.jsonl", "lora/journal.jsonl", "rank/seed0/rank_summary.csv",
                     "rank/seed1/rank_summary.csv", "compare/r1-seed0/compare_summary.csv", "compare/r2-seed1/subspace_similarity.csv",
                     "compare/r2-seed0-vs-seed1/subspace_similarity.csv", "compare/r1-vs-r2-seed0/compare_summary.csv",
                     "experiment.csv", "experiment.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + part), part)
        }
        // Both sweeps ran the same full fine-tunes from the base.
        for seed in 0..<2 {
            XCTAssertEqual(FileManager.default.contents(atPath: out + "/subspace/runs/full-seed\(seed)/model.safetensors"),
                           FileManager.default.contents(atPath: out + "/lora/runs/full-seed\(seed)/model.safetensors"))
        }
        let csv = try String(contentsOfFile: out + "/experiment.csv", encoding: .utf8)
        let rows = Fixtures.parseCSV(csv)
        XCTAssertEqual(rows.prefix(5).map { "\($0["mode"]!) \($0["size"]!) \($0["trainable_parameters"]!)" },
                       ["full 199210 199210", "subspace 20 20", "subspace 40 40", "lora 1 1594", "lora 2 3188"])
        // Extracted from ΔW_full at the LoRA ranks (same parameter counts) and at 90 % energy.
        XCTAssertEqual(rows.dropFirst(5).map { "\($0["mode"]!) \($0["size"]!) \($0["runs"]!)" },
                       ["extracted 1 2", "extracted 2 2", "extracted_energy 90 2"])
        XCTAssertEqual(rows[5]["trainable_parameters"], "1594")
        XCTAssertEqual(rows[6]["trainable_parameters"], "3188")
        // Means from the sweeps' own CSVs.
        let sweep = Fixtures.parseCSV(try String(contentsOfFile: out + "/subspace/sweep.csv", encoding: .utf8))
            + Fixtures.parseCSV(try String(contentsOfFile: out + "/lora/sweep.csv", encoding: .utf8))
        func mean(_ mode: String, _ d: String) -> Double {
            let v = sweep.filter { $0["mode"] == mode && $0["d"] == d }.prefix(2).map { Double($0["final_test_accuracy"]!)! }
            return v.reduce(0, +) / Double(v.count)
        }
        let full = mean("full", "0")
        for row in rows where ["full", "subspace", "lora"].contains(row["mode"]!) {
            let m = mean(row["mode"]!, row["mode"] == "full" ? "0" : row["size"]!)
            XCTAssertEqual(Double(row["mean_accuracy"]!)!, m, accuracy: 1e-12, "\(row)")
            XCTAssertEqual(Double(row["fraction_of_full"]!)!, m / full, accuracy: 1e-12, "\(row)")
        }
        // Per layer: energy ranks from rank/, captured energy = the mean of compare/'s.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/experiment.json"))) as? [String: Any])
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.map { $0["tensor"] as! String }, ["fc1.weight", "fc2.weight", "fc3.weight"])
        for layer in layers {
            let tensor = layer["tensor"] as! String
            let ranks = try (0..<2).map { s in
                Int(Fixtures.parseCSV(try String(contentsOfFile: out + "/rank/seed\(s)/rank_summary.csv", encoding: .utf8))
                    .first { $0["tensor"] == tensor }!["energy_rank_90"]!)!
            }
            XCTAssertEqual(layer["full_energy_rank_90"] as? [Int], ranks, tensor)
            let captured = try XCTUnwrap(layer["captured_energy"] as? [String: Double])
            for r in ["1", "2"] {
                let v = try (0..<2).map { s in
                    Double(Fixtures.parseCSV(try String(contentsOfFile: out + "/compare/r\(r)-seed\(s)/compare_summary.csv", encoding: .utf8))
                        .first { $0["tensor"] == tensor }!["captured_energy"]!)!
                }
                XCTAssertEqual(captured[r]!, (v[0] + v[1]) / 2, accuracy: 1e-12, "\(tensor) r = \(r)")
            }
        }
        // The 90 %-energy extraction keeps, layer by layer, the energy rank 90 that rank/ reports; its merged
        // model (base + the extracted ΔW) is the one evaluated.
        let extractions = try XCTUnwrap(json["extractions"] as? [[String: Any]])
        let energy = try XCTUnwrap(extractions.first { $0["mode"] as? String == "extracted_energy" })
        let ranks = try XCTUnwrap(energy["ranks"] as? [String: [Int]])
        for layer in layers {
            XCTAssertEqual(ranks[layer["tensor"] as! String], layer["full_energy_rank_90"] as? [Int], "\(layer["tensor"]!)")
        }
        let accuracies = try XCTUnwrap(energy["accuracy"] as? [Double])
        XCTAssertEqual(Double(rows[7]["mean_accuracy"]!)!, accuracies.reduce(0, +) / 2, accuracy: 1e-12)
        for seed in 0..<2 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/extract/seed\(seed)/energy90/merged.safetensors"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/extract/seed\(seed)/r2/adapter_config.json"))
        }
        // The base learnt the permuted labels: on the real labels it is far below the full fine-tune.
        let baseOnTask = try XCTUnwrap(json["base_accuracy_target_task"] as? Double)
        XCTAssertGreaterThan(try XCTUnwrap(json["base_accuracy_pretrain_task"] as? Double), baseOnTask + 0.3)
        XCTAssertGreaterThan(full, baseOnTask + 0.3)
        // A rerun keeps the base, finds every sweep run in its journal, and gives the same summary.
        let again = try CommandRunner.run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("keeping the base"), again.stderr)
        XCTAssertFalse(again.stderr.contains("run 1/"), "no run is made again: \(again.stderr)")
        XCTAssertEqual(try String(contentsOfFile: out + "/experiment.csv", encoding: .utf8), csv)

        // Two shards (as a Slurm array would run them), then the unsharded command merges: the same summary.
        let sharded = dir + "/sharded"
        let shardArgs = Array(args.dropLast()) + [sharded]
        for k in 1...2 {
            let s = try CommandRunner.run(shardArgs + ["--shard", "\(k)/2"])
            XCTAssertEqual(s.status, 0, s.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: sharded + "/shards/\(k)-of-2/lora/journal.jsonl"), s.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: sharded + "/experiment.csv"), "a shard writes no summary")
        }
        let merged = try CommandRunner.run(shardArgs)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertTrue(merged.stderr.contains("merging 2 shards of lora"), merged.stderr)
        XCTAssertFalse(merged.stderr.contains("run 1/"), "every run came from a shard: \(merged.stderr)")
        XCTAssertEqual(try String(contentsOfFile: sharded + "/experiment.csv", encoding: .utf8), csv)
        let shardedJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sharded + "/experiment.json"))) as? [String: Any])
        XCTAssertEqual(shardedJSON["layers"] as? NSArray, json["layers"] as? NSArray)
        XCTAssertEqual(FileManager.default.contents(atPath: sharded + "/lora/runs/r2-seed1/adapter/adapter_model.safetensors"),
                       FileManager.default.contents(atPath: out + "/lora/runs/r2-seed1/adapter/adapter_model.safetensors"))
        // A bad shard is a usage error.
        XCTAssertEqual(try CommandRunner.run(shardArgs + ["--shard", "3/2"]).status, 64)

        // report: the experiment's section states experiment.json's numbers (Tests/Scripts/check_demo.py checks
        // a whole demo folder); a folder of nothing or a broken experiment.csv is a one-line error naming it.
        let report = try CommandRunner.run(["report", dir])
        XCTAssertEqual(report.status, 0, report.stderr)
        let summary = try String(contentsOfFile: dir + "/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.contains("(`exp/`)") && summary.contains("(`sharded/`)"), summary)
        XCTAssertTrue(summary.contains("| lora | 2 | 3,188 | \(String(format: "%.4f", Double(rows[4]["mean_accuracy"]!)!)) |"), summary)
        let empty = dir + "/empty"
        try FileManager.default.createDirectory(atPath: empty + "/nothing", withIntermediateDirectories: true)
        let none = try CommandRunner.run(["report", empty])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains(empty) && none.stderr.split(separator: "\n").count == 1, none.stderr)
        try "mode,size\nfull,3\n".write(toFile: sharded + "/experiment.csv", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir + "/summary.md")
        let broken = try CommandRunner.run(["report", dir])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("sharded/experiment.csv") && broken.stderr.contains("trainable_parameters"), broken.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/summary.md"), "nothing written")
    }

    /// Options the sweeps would refuse are refused before pretraining (usage errors, nothing
    /// written); a diverging pretraining is exit 2 with one line naming its folder.
    func testImpossibleOptionsAreRefusedBeforePretraining() throws {
        let dir = try Fixtures.temporaryDirectory("experiment-bad")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["experiment", "finetune", "--model", "fc", "--pretrain", permuted, "--task", mnist, "--seeds", "1",
                    "--epochs", "1", "--pretrain-epochs", "1", "--threads", "1"]
        for (extra, mention) in [(["--d", "0"], "--d"), (["--ranks", "2,0"], "--ranks"), (["--classes", "1"], "--classes"),
                                 (["--lora-lr", "0"], "--lora-lr"), (["--d", "x"], "--d")] {
            let r = try CommandRunner.run(args + extra + ["--out", dir + "/bad"])
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"), "\(extra): nothing is written")
        }
        let diverged = try CommandRunner.run(args + ["--lr", "1e30", "--out", dir + "/diverged"])
        XCTAssertEqual(diverged.status, 2, diverged.stderr)
        XCTAssertTrue(diverged.stderr.contains("pretraining diverged") && diverged.stderr.contains(dir + "/diverged/pretrain"), diverged.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/diverged/subspace"), "no sweep starts from a diverged base")
    }
}
