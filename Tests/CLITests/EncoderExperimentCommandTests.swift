import Foundation
import XCTest
import _TestSupport

/// `intrinsic-dim experiment finetune --model DIR` on the tiny encoder and the hand-made task of
/// ``TinyTextTask``: every part equals the standalone command run on the same inputs with the same
/// options (the same operations, so byte for byte but wall times): the SAID sweep over learning
/// rates and the LoRA rank sweep (`sweep --model DIR`), `rank` of each full fine-tune, `compare`
/// of each adapter against it and `extract-lora` at a rank; experiment.csv's rows are the sweeps'
/// means with macro-F1 and the majority floor; a rerun resumes without training; bad options are
/// one-line errors with nothing written.
final class EncoderExperimentCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try TinyTextTask.make(train: 24, test: 12) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    var task: [String] {
        ["--test-dataset", dir + "/test.tsv", "--epochs", "1", "--batch-size", "8", "--max-length", "16", "--threads", "1"]
    }

    func file(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A CSV without its wall-time columns.
    func rows(_ path: String) throws -> [[String: String]] {
        var rows = Fixtures.parseCSV(try String(contentsOfFile: path, encoding: .utf8))
        for i in rows.indices { rows[i]["seconds"] = nil }
        return rows
    }

    func testEncoderExperimentPartsAreTheStandaloneCommandsAndItResumes() throws {
        let out = dir + "/exp"
        let args = ["experiment", "finetune", "--model", dir, "--task", dir + "/train.tsv"] + task
            + ["--d", "120,60", "--subspace-lrs", "0.03,0.01", "--ranks", "1,2", "--seeds", "2", "--lr", "3e-3", "--lora-lr", "1e-2",
               "--wht", "fftw", "--out", out]
        let r = try CommandRunner.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("no pretraining"), r.stderr)
        XCTAssertTrue(r.stderr.contains("majority-class floor 0.3333"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/pretrain"))

        // The sweeps are `sweep --model DIR` sweeps of the same options, run for run.
        let sub = dir + "/sub", lora = dir + "/lora"
        let s1 = try CommandRunner.run(["sweep", "--model", dir, "--dataset", dir + "/train.tsv"] + task
            + ["--d", "120,60", "--lrs", "0.03,0.01", "--lr", "1e-2", "--baseline-lr", "3e-3", "--seeds", "2", "--wht", "fftw", "--out", sub])
        XCTAssertEqual(s1.status, 0, s1.stderr)
        let s2 = try CommandRunner.run(["sweep", "--model", dir, "--dataset", dir + "/train.tsv"] + task
            + ["--mode", "lora", "--ranks", "1,2", "--cap-rank", "--lr", "1e-2", "--baseline-lr", "3e-3", "--seeds", "2", "--out", lora])
        XCTAssertEqual(s2.status, 0, s2.stderr)
        XCTAssertEqual(try rows(out + "/subspace/sweep.csv"), try rows(sub + "/sweep.csv"))
        XCTAssertEqual(try rows(out + "/lora/sweep.csv"), try rows(lora + "/sweep.csv"))
        for run in ["full-seed0", "full-seed1", "d60-lr0.01-seed0", "d120-lr0.03-seed1"] {
            for f in ["model.safetensors", "predictions.csv"] {
                XCTAssertEqual(try file(out + "/subspace/runs/\(run)/\(f)"), try file(sub + "/runs/\(run)/\(f)"), "\(run)/\(f)")
            }
        }
        XCTAssertEqual(try file(out + "/subspace/runs/d60-lr0.03-seed0/theta_d.npy"), try file(sub + "/runs/d60-lr0.03-seed0/theta_d.npy"))
        for run in ["r1-seed0", "r2-seed1"] {
            XCTAssertEqual(try file(out + "/lora/runs/\(run)/adapter/adapter_model.safetensors"),
                           try file(lora + "/runs/\(run)/adapter/adapter_model.safetensors"), run)
        }
        // The full fine-tunes are trained once (by the subspace sweep) and copied into the LoRA sweep.
        XCTAssertEqual(r.stderr.components(separatedBy: "(full, seed 1)").count - 1, 1, r.stderr)
        XCTAssertEqual(try file(out + "/subspace/runs/full-seed1/model.safetensors"), try file(out + "/lora/runs/full-seed1/model.safetensors"))

        // rank, compare and extract-lora of the run folders are the standalone commands' results.
        let full1 = out + "/lora/runs/full-seed1"
        let rk = try CommandRunner.run(["rank", "--base", dir, "--tuned", full1, "--jobs", "1", "--out", dir + "/rank"])
        XCTAssertEqual(rk.status, 0, rk.stderr)
        XCTAssertEqual(try file(out + "/rank/seed1/spectra.csv"), try file(dir + "/rank/spectra.csv"))
        XCTAssertEqual(try rows(out + "/rank/seed1/rank_summary.csv"), try rows(dir + "/rank/rank_summary.csv"))
        let cp = try CommandRunner.run(["compare", "--base", dir, "--adapter", out + "/lora/runs/r2-seed1/adapter", "--tuned", full1,
                                        "--jobs", "1", "--out", dir + "/compare"])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(try file(out + "/compare/r2-seed1/compare_summary.csv"), try file(dir + "/compare/compare_summary.csv"))
        XCTAssertEqual(try file(out + "/compare/r2-seed1/subspace_similarity.csv"), try file(dir + "/compare/subspace_similarity.csv"))
        let ex = try CommandRunner.run(["extract-lora", "--base", dir, "--tuned", full1, "--rank", "2", "--jobs", "1", "--out", dir + "/extract"])
        XCTAssertEqual(ex.status, 0, ex.stderr)
        XCTAssertEqual(try file(out + "/extract/seed1/r2/extraction.csv"), try file(dir + "/extract/extraction.csv"))
        XCTAssertEqual(try file(out + "/extract/seed1/r2/adapter_model.safetensors"), try file(dir + "/extract/adapter_model.safetensors"))
        for part in ["compare/r2-seed0-vs-seed1/subspace_similarity.csv", "compare/r1-vs-r2-seed0/compare_summary.csv",
                     "extract/seed0/energy90/extraction.csv", "experiment.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + part), part)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/extract/seed0/r1/.merged"), "the scratch merge is removed")

        // experiment.csv: the sweeps' means (each d at its best rate), macro-F1 and the floor on every row.
        let csv = Fixtures.parseCSV(try String(contentsOfFile: out + "/experiment.csv", encoding: .utf8))
        XCTAssertEqual(csv.map { "\($0["mode"]!) \($0["size"]!)" },
                       ["full \(csv[0]["trainable_parameters"]!)", "subspace 60", "subspace 120", "lora 1", "lora 2",
                        "extracted 1", "extracted 2", "extracted_energy 90"])
        XCTAssertEqual(Set(csv.map { $0["majority_test_accuracy"]! }), [String(1.0 / 3)])
        XCTAssertTrue(csv.allSatisfy { Double($0["mean_macro_f1"]!) != nil }, "\(csv)")
        let dInt90 = try XCTUnwrap(JSONSerialization.jsonObject(with: file(sub + "/d_int90.json")) as? [String: Any])
        let dims = try XCTUnwrap(dInt90["dimensions"] as? [[String: Any]])
        for row in csv where row["mode"] == "subspace" || row["mode"] == "full" {
            let d = row["mode"] == "full" ? 0 : Int(row["size"]!)!
            let dim = try XCTUnwrap(dims.first { $0["d"] as? Int == d })
            XCTAssertEqual(Double(row["mean_accuracy"]!)!, dim["mean_accuracy"] as! Double, accuracy: 1e-12, "\(row)")
            XCTAssertEqual(Double(row["mean_macro_f1"]!)!, dim["mean_macro_f1"] as! Double, accuracy: 1e-12, "\(row)")
        }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: file(out + "/experiment.json")) as? [String: Any])
        XCTAssertEqual(json["majority_test_accuracy"] as? Double, 1.0 / 3)
        XCTAssertNil(json["base_accuracy_pretrain_task"])
        XCTAssertEqual(json["d_int90"] as? Int, dInt90["d_int90"] as? Int)

        // A rerun resumes: nothing is trained again, the summary is the same.
        let before = try FileManager.default.attributesOfItem(atPath: out + "/lora/runs/r2-seed1/model.safetensors")[.modificationDate] as? Date
        let again = try CommandRunner.run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("run 1/"), again.stderr)
        let after = try FileManager.default.attributesOfItem(atPath: out + "/lora/runs/r2-seed1/model.safetensors")[.modificationDate] as? Date
        XCTAssertEqual(before, after)
        XCTAssertEqual(try rows(out + "/experiment.csv"), csv)
    }

    func testBadEncoderExperimentOptionsAreOneLineErrors() throws {
        let base = ["experiment", "finetune", "--model", dir, "--task", dir + "/train.tsv", "--test-dataset", dir + "/test.tsv"]
        let cases: [([String], String)] = [
            (["--pretrain", "mnist"], "--pretrain, --pretrain-epochs and --classes are for fc/lenet"),
            (["--max-length", "2"], "--max-length must be at least 3"),
            (["--train-limit", "0"], "--train-limit must be at least 1"),
            (["--subspace-lrs", "0.1,x"], "--subspace-lrs must be comma-separated positive learning rates"),
        ]
        for (extra, message) in cases {
            let out = dir + "/bad"
            let r = try CommandRunner.run(base + extra + ["--out", out])
            XCTAssertNotEqual(r.status, 0, "\(extra)")
            XCTAssertTrue(r.stderr.contains(message), "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(extra)")
        }
        let fc = try CommandRunner.run(["experiment", "finetune", "--model", "fc", "--pretrain", "mnist", "--task", "mnist",
                                        "--max-length", "32", "--out", dir + "/bad"])
        XCTAssertNotEqual(fc.status, 0)
        XCTAssertTrue(fc.stderr.contains("apply to --model DIR only"), fc.stderr)
        let noTest = try CommandRunner.run(["experiment", "finetune", "--model", dir, "--task", dir + "/train.tsv", "--out", dir + "/bad"])
        XCTAssertNotEqual(noTest.status, 0)
        XCTAssertTrue(noTest.stderr.contains("--test-dataset"), noTest.stderr)
        // SAID's d must exceed the tensor count: refused before any run, nothing trained.
        let small = try CommandRunner.run(base + ["--d", "10", "--out", dir + "/small"])
        XCTAssertNotEqual(small.status, 0)
        XCTAssertTrue(small.stderr.contains("per-tensor scales"), small.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/small/subspace/runs"))
    }
}
