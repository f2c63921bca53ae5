import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// `merge`, `compare` and `extract-lora` end to end, against PEFT's own
/// `merge_and_unload()` weights (`Tests/Fixtures/peft`), the numpy reference of
/// `Tests/Fixtures/peft_expected`, and analytic round trips.
final class LoRACommandTests: XCTestCase {
    /// (adapter, base) of every adapter PEFT wrote.
    static let adapters = [
        ("bert/lora_patterns", "bert/base"), ("bert/lora_rslora", "bert/base"), ("bert/lora_embedding", "bert/base"),
        ("bert/lora_qv_r8", "bert/base"), ("bert/lora_qv_r2", "bert/base"), ("bert/lora_regex", "bert/base"),
        ("gpt2/lora_conv1d", "gpt2/base"), ("cnn/lora_conv2d", "cnn/base.safetensors"),
    ]
    /// Adapters of sequence classifiers, merged only (no tuned model, no numpy reference): carrying full
    /// tensors (a modules_to_save head, biases of bias "all"/"lora_only"), or mixing GPT-2 Conv1D and
    /// Linear modules under a config that says fan_in_fan_out false.
    static let fullTensorAdapters = [
        ("bert_cls/lora_seq_cls", "bert_cls/base"), ("bert_cls/lora_bias_all", "bert_cls/base"),
        ("bert_cls/lora_bias_lora_only", "bert_cls/base"), ("bert_cls/lora_tokens", "bert_cls/base"),
        ("gpt2_cls/lora_mixed", "gpt2_cls/base"),
    ]
    static func tuned(for base: String) -> String { base.replacingOccurrences(of: "base", with: "tuned") }
    static func peft(_ p: String) -> String { Fixtures.path("peft/" + p) }

    private func scratch(_ label: String) throws -> String {
        let dir = try Fixtures.temporaryDirectory(label)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    private func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandRunner.Output {
        let o = try CommandRunner.run(args)
        XCTAssertEqual(o.status, 0, "\(args.joined(separator: " ")):\n\(o.stderr)", file: file, line: line)
        return o
    }

    /// max|a − b| / max|b| over two equally long value lists.
    private func relativeMaxDifference(_ a: [Double], _ b: [Double]) -> Double {
        let scale = b.map(abs).max() ?? 0
        let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return scale > 0 ? diff / scale : diff
    }

    private func frobenius(_ a: [Double], minus b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    // MARK: - merge

    /// Every tensor of our merge is PEFT's `merge_and_unload()` tensor within 1e-6 of max|PEFT| (the
    /// adapted ones computed in float64 from the factors, PEFT's in float32); an adapter's full tensors
    /// (the classifier head of a SEQ_CLS adapter, biases) replace the base's byte for byte, every other
    /// tensor is the base's byte for byte.
    func testMergeEqualsPEFTMergeAndUnload() throws {
        let dir = try scratch("merge")
        for (name, base) in Self.adapters + Self.fullTensorAdapters {
            let out = dir + "/" + name.replacingOccurrences(of: "/", with: "_") + ".safetensors"
            try run(["merge", "--base", Self.peft(base), "--adapter", Self.peft(name), "--out", out])
            let ours = try SafetensorsFile(path: out)
            let baseFile = try Checkpoint.open(Self.peft(base))
            let order = try SafetensorsFile(path: baseFile.files.last!.path).tensors.map(\.name)
            XCTAssertEqual(ours.tensors.map(\.name), order, "\(name): names and order of the base")
            let reference = try Checkpoint.open(Self.peft(name + "_merged.safetensors"))
            let adapter = try LoRAAdapter(path: Self.peft(name))
            let adapted = Set(adapter.modules.map { $0.path + ".weight" })
            let replaced = Dictionary(uniqueKeysWithValues: adapter.fullTensors.map { ($0.target, $0) })
            XCTAssertFalse(adapted.isEmpty)
            XCTAssertEqual(name.hasPrefix("bert_cls/"), !replaced.isEmpty, "\(name): full tensors \(replaced.keys.sorted())")
            for t in reference.tensors {
                let mine = try XCTUnwrap(ours.tensors.first { $0.name == t.name }, "\(name): \(t.name)")
                XCTAssertEqual(mine.dtype, t.dtype, "\(name) \(t.name)")
                let d = relativeMaxDifference(try mine.readDoubles(), try t.readDoubles())
                XCTAssertLessThanOrEqual(d, 1e-6, "\(name) \(t.name): max|ours − PEFT|/max|PEFT| = \(d)")
                if let full = replaced[t.name], case let .trainableTokens(rows) = full.role {
                    // Rows `rows` are the adapter's, every other row the base's (PEFT's index_copy).
                    let dim = t.shape[1], values = try mine.readDoubles(), base0 = try baseFile[t.name]!.readDoubles()
                    let delta = try full.tensor.readDoubles()
                    for row in 0..<t.shape[0] {
                        let got = Array(values[row * dim..<(row + 1) * dim])
                        if let k = rows.firstIndex(of: row) {
                            XCTAssertEqual(got, Array(delta[k * dim..<(k + 1) * dim]), "\(name) \(t.name) row \(row): the adapter's")
                            XCTAssertNotEqual(got, Array(base0[row * dim..<(row + 1) * dim]), "\(name) \(t.name) row \(row): trained")
                        } else {
                            XCTAssertEqual(got, Array(base0[row * dim..<(row + 1) * dim]), "\(name) \(t.name) row \(row): the base's")
                        }
                    }
                } else if let full = replaced[t.name] {
                    XCTAssertEqual(try mine.readDoubles(), try full.tensor.readDoubles(), "\(name) \(t.name): the adapter's \(full.key)")
                    XCTAssertNotEqual(try mine.readDoubles(), try baseFile[t.name]!.readDoubles(), "\(name) \(t.name): trained, not the base's")
                } else if !adapted.contains(t.name) {
                    XCTAssertEqual(try mine.readDoubles(), try baseFile[t.name]!.readDoubles(), "\(name) \(t.name): copied")
                }
            }
        }
    }

    /// A sharded base is merged into a folder with its shard names and index; a BF16 base stays BF16,
    /// each merged value the BF16 number nearest to W₀ + ΔW (within half an ulp).
    func testMergeShardedAndBF16Bases() throws {
        let dir = try scratch("merge-layouts")
        let f32Base = Fixtures.path("rank/f32_base.safetensors"), f32Tuned = Fixtures.path("rank/f32_tuned.safetensors")
        try run(["extract-lora", "--base", f32Base, "--tuned", f32Tuned, "--rank", "2", "--out", dir + "/f32"])
        let sharded = Fixtures.path("rank/sharded")
        try run(["merge", "--base", sharded, "--adapter", dir + "/f32", "--out", dir + "/merged-sharded"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/merged-sharded").sorted()
        XCTAssertEqual(files, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"])
        let index = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/merged-sharded/model.safetensors.index.json"))) as? [String: Any])
        let original = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sharded + "/model.safetensors.index.json"))) as? [String: Any])
        XCTAssertEqual(index["weight_map"] as? [String: String], original["weight_map"] as? [String: String])
        let merged = try Checkpoint.open(dir + "/merged-sharded"), base = try Checkpoint.open(sharded)
        let adapter = try LoRAAdapter(path: dir + "/f32")
        let adapted = Dictionary(uniqueKeysWithValues: try adapter.bind(to: base).map { ($0.tensor, $0) })
        XCTAssertEqual(merged.tensors.map(\.name), base.tensors.map(\.name))
        for t in base.tensors {
            let m = try XCTUnwrap(merged[t.name])
            guard let bound = adapted[t.name] else {
                if t.dtype.isReadableReal { XCTAssertEqual(try m.readDoubles(), try t.readDoubles(), "\(t.name) copied") }
                continue
            }
            let want = zip(try t.readDoubles(), bound.storedValues(try bound.module.update())).map { Double(Float($0 + $1)) }
            XCTAssertEqual(try m.readDoubles(), want, "\(t.name): W₀ + ΔW rounded to F32")
        }
        // BF16.
        let bf16Base = Fixtures.path("rank/bf16_base.safetensors")
        try run(["extract-lora", "--base", bf16Base, "--tuned", Fixtures.path("rank/bf16_tuned.safetensors"), "--rank", "3", "--out", dir + "/bf16"])
        try run(["merge", "--base", bf16Base, "--adapter", dir + "/bf16", "--out", dir + "/merged-bf16.safetensors"])
        let mb = try Checkpoint.open(dir + "/merged-bf16.safetensors"), b16 = try Checkpoint.open(bf16Base)
        for bound in try LoRAAdapter(path: dir + "/bf16").bind(to: b16) {
            let m = try XCTUnwrap(mb[bound.tensor])
            XCTAssertEqual(m.dtype, .bf16, bound.tensor)
            let exact = zip(try bound.base.readDoubles(), bound.storedValues(try bound.module.update())).map { $0 + $1 }
            for (got, x) in zip(try m.readDoubles(), exact) {
                let ulp = Double(Float(got).ulp) * 65536  // BF16 keeps 8 of Float's 24 significand bits
                XCTAssertLessThanOrEqual(abs(got - x), ulp / 2 * (1 + 1e-12), "\(bound.tensor): nearest BF16")
            }
        }
    }

    // MARK: - compare

    func testCompareMatchesNumPyOnEveryPEFTAdapter() throws {
        let expected = try Fixtures.csv("peft_expected/expected_compare.csv")
        let phiExpected = try Fixtures.csv("peft_expected/expected_similarity.csv").filter { $0["adapter2"] == "" }
        let dir = try scratch("compare")
        let columns = ["lora_scaling", "full_stable_rank", "lora_stable_rank", "captured_energy", "optimal_rank_r_error",
                       "lora_rel_error", "amplification_full", "amplification_lora"]
        var rowsChecked = 0, phiChecked = 0
        for (name, base) in Self.adapters {
            let out = dir + "/" + name.replacingOccurrences(of: "/", with: "_")
            try run(["compare", "--base", Self.peft(base), "--adapter", Self.peft(name), "--tuned", Self.peft(Self.tuned(for: base)),
                     "--out", out, "--jobs", "2"])
            let rows = try Fixtures.parseCSV(String(contentsOfFile: out + "/compare_summary.csv", encoding: .utf8))
            let want = expected.filter { $0["adapter"] == name }
            let spectra = try Fixtures.parseCSV(String(contentsOfFile: out + "/spectra.csv", encoding: .utf8))
            XCTAssertEqual(rows.map { $0["tensor"]! }, want.map { $0["tensor"]! }.sorted(), name)
            for w in want {
                let r = try XCTUnwrap(rows.first { $0["tensor"] == w["tensor"] }, "\(name) \(w["tensor"]!)")
                for c in ["lora_rank", "full_energy_rank_90", "lora_energy_rank_90"] { XCTAssertEqual(r[c], w[c], "\(name) \(w["tensor"]!) \(c)") }
                for c in columns { assertClose(Double(r[c]!)!, Double(w[c]!)!, rtol: 1e-6, "\(name) \(w["tensor"]!) \(c)") }
                // spectra.csv against numpy's metrics of both spectra: stable rank Σσ²/σ₁², energy rank 90.
                for source in ["lora", "full"] {
                    let rows = spectra.filter { $0["tensor"] == w["tensor"] && $0["source"] == source }
                    let sigma = rows.map { Double($0["sigma"]!)! }, energy = rows.map { Double($0["energy_cumulative"]!)! }
                    XCTAssertEqual(rows.map { Int($0["index"]!)! }, Array(1...max(1, rows.count)), "\(name) \(source) indices")
                    assertClose(sigma.reduce(0) { $0 + $1 * $1 } / (sigma[0] * sigma[0]), Double(w["\(source)_stable_rank"]!)!, rtol: 1e-6,
                                "\(name) \(w["tensor"]!) \(source) stable rank from spectra.csv")
                    XCTAssertEqual(energy.firstIndex { $0 >= 0.9 }.map { $0 + 1 }, Int(w["\(source)_energy_rank_90"]!)!,
                                   "\(name) \(w["tensor"]!) \(source) energy rank from spectra.csv")
                }
                rowsChecked += 1
            }
            let phi = try Fixtures.parseCSV(String(contentsOfFile: out + "/subspace_similarity.csv", encoding: .utf8))
            var ours: [String: Double] = [:]
            for p in phi where p["comparison"] == "lora_full" {
                ours["\(p["tensor"]!) \(p["side"]!) \(p["i"]!) \(p["j"]!)"] = Double(p["phi"]!)!
                let (i, j) = (Double(p["i"]!)!, Double(p["j"]!)!)
                let d = Double(p["side"] == "left" ? r(rows, p["tensor"]!, "rows") : r(rows, p["tensor"]!, "cols"))
                XCTAssertEqual(Double(p["phi_random_expected"]!)!, max(i, j) / d, accuracy: 1e-15)
            }
            let wantPhi = phiExpected.filter { $0["adapter"] == name }
            XCTAssertEqual(ours.count, wantPhi.count, "\(name): φ grid size")
            for w in wantPhi {
                let key = "\(w["tensor"]!) \(w["side"]!) \(w["i"]!) \(w["j"]!)"
                let mine = try XCTUnwrap(ours[key], "\(name): φ \(key)")
                XCTAssertEqual(mine, Double(w["phi"]!)!, accuracy: 1e-6, "\(name): φ \(key)")
                phiChecked += 1
            }
        }
        XCTAssertEqual(rowsChecked, expected.count)
        XCTAssertGreaterThan(phiChecked, 1000)
    }

    private func r(_ rows: [[String: String]], _ tensor: String, _ column: String) -> Int {
        Int(rows.first { $0["tensor"] == tensor }![column]!)!
    }

    func testCompareTwoAdaptersAndRandomBaseline() throws {
        let out = try scratch("compare2") + "/out"
        try run(["compare", "--base", Self.peft("bert/base"), "--adapter", Self.peft("bert/lora_qv_r8"),
                 "--adapter2", Self.peft("bert/lora_qv_r2"), "--out", out])
        let summary = try Fixtures.parseCSV(String(contentsOfFile: out + "/compare_summary.csv", encoding: .utf8))
        XCTAssertEqual(summary.count, 4)
        for row in summary {  // without --tuned the full_* cells are empty
            for c in ["full_energy_rank_90", "captured_energy", "lora_rel_error", "amplification_full"] { XCTAssertEqual(row[c], "", c) }
        }
        let phi = try Fixtures.parseCSV(String(contentsOfFile: out + "/subspace_similarity.csv", encoding: .utf8))
        let expected = try Fixtures.csv("peft_expected/expected_similarity.csv").filter { $0["adapter2"] == "bert/lora_qv_r2" }
        XCTAssertEqual(expected.count, 4 * 2 * 8 * 2)
        for w in expected {
            let mine = try XCTUnwrap(phi.first { $0["comparison"] == "lora_lora2" && $0["tensor"] == w["tensor"]
                && $0["side"] == w["side"] && $0["i"] == w["i"] && $0["j"] == w["j"] })
            XCTAssertEqual(Double(mine["phi"]!)!, Double(w["phi"]!)!, accuracy: 1e-6)
        }
        let random = phi.filter { $0["comparison"] == "random" }
        XCTAssertEqual(random.count, expected.count)
        // Chance level: E φ(i, j) = max(i, j)/d. The sample mean over every cell is close to it.
        let gap = random.map { Double($0["phi"]!)! - Double($0["phi_random_expected"]!)! }
        XCTAssertTrue(random.allSatisfy { (0...1.0000001).contains(Double($0["phi"]!)!) })
        XCTAssertLessThan(abs(gap.reduce(0, +) / Double(gap.count)), 0.05, "random φ is at chance level on average")
    }

    // MARK: - compare --phi-basis

    /// φ on A's right singular vectors (`--phi-basis a`, the LoRA paper's eq. 4) against ΔW_full's right
    /// singular vectors, for every PEFT adapter (linear, embedding, Conv1D, Conv2d: which factor is A),
    /// equals numpy's `expected_similarity_a.csv`. φ ∈ [0, 1] and A's singular values are ≥ 6e-3·σ₁ apart
    /// (asserted > 1e-6 by the script), so the subspaces are well defined: held to 1e-9 absolute.
    func testComparePhiBasisAEqualsEq4AgainstTheFullFineTune() throws {
        let expected = try Fixtures.csv("peft_expected/expected_similarity_a.csv").filter { $0["adapter2"] == "" }
        let dir = try scratch("compare-a")
        var checked = 0
        for (name, base) in Self.adapters {
            let out = dir + "/" + name.replacingOccurrences(of: "/", with: "_")
            try run(["compare", "--base", Self.peft(base), "--adapter", Self.peft(name), "--tuned", Self.peft(Self.tuned(for: base)),
                     "--out", out, "--jobs", "2", "--phi-basis", "a"])
            let phi = try Fixtures.parseCSV(String(contentsOfFile: out + "/subspace_similarity.csv", encoding: .utf8))
            XCTAssertFalse(phi.isEmpty, name)
            XCTAssertTrue(phi.allSatisfy { $0["phi_basis"] == "a" && $0["side"] == "right" && $0["comparison"] == "lora_full" },
                          "\(name): only right-side lora_full grids, all of basis a")
            var ours: [String: Double] = [:]
            for p in phi { ours["\(p["tensor"]!) \(p["i"]!) \(p["j"]!)"] = Double(p["phi"]!)! }
            let want = expected.filter { $0["adapter"] == name }
            XCTAssertEqual(ours.count, want.count, "\(name): φ grid size")
            for w in want {
                let key = "\(w["tensor"]!) \(w["i"]!) \(w["j"]!)"
                let mine = try XCTUnwrap(ours[key], "\(name): φ \(key)")
                XCTAssertEqual(mine, Double(w["phi"]!)!, accuracy: 1e-9, "\(name): φ_A \(key)")
                checked += 1
            }
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/compare_summary.json"))) as? [String: Any])
            let options = (json["provenance"] as? [String: Any])?["options"] as? [String: String]
            XCTAssertEqual(options?["phi_basis"], "a", name)
        }
        XCTAssertEqual(checked, expected.count)
        XCTAssertGreaterThan(checked, 5000)
    }

    /// φ(A_{r=8}, A_{r=2}, i, j) of eq. 4 for two PEFT-written adapters equals numpy's to 1e-9; the default
    /// basis (ΔW = s·B·A) gives another φ(1, j) (numpy: up to 0.010 apart, so the flag is no no-op), the same
    /// φ(r₁, r₂) (both span A's row spaces there), and each run's basis is in the CSV and the figure.
    func testComparePhiBasisAEqualsEq4OnAnAdapterPairAndDiffersFromDelta() throws {
        let dir = try scratch("compare-a2")
        let common = ["compare", "--base", Self.peft("bert/base"), "--adapter", Self.peft("bert/lora_qv_r8"),
                      "--adapter2", Self.peft("bert/lora_qv_r2")]
        try run(common + ["--out", dir + "/a", "--phi-basis", "a"])
        try run(common + ["--out", dir + "/delta"])
        let a = try Fixtures.parseCSV(String(contentsOfFile: dir + "/a/subspace_similarity.csv", encoding: .utf8))
        let delta = try Fixtures.parseCSV(String(contentsOfFile: dir + "/delta/subspace_similarity.csv", encoding: .utf8))
        XCTAssertTrue(a.allSatisfy { $0["phi_basis"] == "a" && $0["side"] == "right" })
        XCTAssertTrue(delta.allSatisfy { $0["phi_basis"] == "delta" })
        XCTAssertEqual(Set(delta.map { $0["side"]! }), ["left", "right"])

        let expected = try Fixtures.csv("peft_expected/expected_similarity_a.csv").filter { $0["adapter2"] == "bert/lora_qv_r2" }
        XCTAssertEqual(expected.count, 4 * 8 * 2)
        let pair = a.filter { $0["comparison"] == "lora_lora2" }
        XCTAssertEqual(pair.count, expected.count)
        func key(_ r: [String: String]) -> String { "\(r["tensor"]!) \(r["i"]!) \(r["j"]!)" }
        let ours = Dictionary(pair.map { (key($0), Double($0["phi"]!)!) }, uniquingKeysWith: { x, _ in x })
        for w in expected {
            let mine = try XCTUnwrap(ours[key(w)], key(w))
            XCTAssertEqual(mine, Double(w["phi"]!)!, accuracy: 1e-9, "φ_A \(key(w))")
        }
        let random = a.filter { $0["comparison"] == "random" }
        XCTAssertEqual(random.count, expected.count, "the random baseline has the sizes of A₁, A₂")
        XCTAssertTrue(random.allSatisfy { (0...1.0000001).contains(Double($0["phi"]!)!) })

        let deltaRight = Dictionary(delta.filter { $0["comparison"] == "lora_lora2" && $0["side"] == "right" }
            .map { (key($0), Double($0["phi"]!)!) }, uniquingKeysWith: { x, _ in x })
        XCTAssertEqual(Set(deltaRight.keys), Set(ours.keys))
        var largest = 0.0
        for (k, v) in ours {
            let parts = k.split(separator: " ")
            if parts[1] == "1" { largest = max(largest, abs(v - deltaRight[k]!)) }
            if parts[1] == "8" && parts[2] == "2" { XCTAssertEqual(v, deltaRight[k]!, accuracy: 1e-9, "φ(r₁, r₂) \(k)") }
        }
        XCTAssertGreaterThan(largest, 1e-3, "φ(1, j) on A's basis and on ΔW's: max difference \(largest)")

        // The figure names its basis.
        for (basis, text) in [("a", "A's right singular vectors (Hu et al. 2021, eq. 4)"), ("delta", "ΔW = s·B·A's singular vectors")] {
            let o = try run(["plot", dir + "/" + basis, "--out", dir + "/figs-" + basis])
            let path = try XCTUnwrap(o.stdout.split(separator: "\n").map(String.init).first { $0.contains("similarity_") }, o.stdout)
            let svg = try SVGReader(path: path)
            let line = try XCTUnwrap(svg.elements.first { $0.cssClass == "basis" }, basis)
            XCTAssertEqual(line.attributes["data-basis"], basis)
            XCTAssertTrue(line.text.contains(text), line.text)
            let panels = Set(svg.plotAreas.compactMap { $0.attributes["data-panel"] })
            XCTAssertEqual(panels, basis == "a" ? ["right|lora_lora2", "right|random"]
                : ["left|lora_lora2", "left|random", "right|lora_lora2", "right|random"])
        }
    }

    func testPhiBasisOtherThanDeltaOrAIsOneLineAndWritesNothing() throws {
        let dir = try scratch("compare-bad-basis")
        let o = try CommandRunner.run(["compare", "--base", Self.peft("bert/base"), "--adapter", Self.peft("bert/lora_qv_r8"),
                                       "--adapter2", Self.peft("bert/lora_qv_r2"), "--out", dir + "/c", "--phi-basis", "b"])
        XCTAssertEqual(o.status, 64, o.stderr)
        let errors = o.stderr.split(separator: "\n").filter { $0.lowercased().contains("error") }
        XCTAssertEqual(errors.count, 1, o.stderr)
        XCTAssertTrue(errors.first?.contains("--phi-basis") == true && errors.first?.contains("'b'") == true, o.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    // MARK: - extract-lora

    /// Extract at rank r, merge, and compare with the tuned checkpoint:
    /// ‖T′ − T‖_F / ‖ΔW‖_F must be the Eckart–Young error √(Σ_{i>r} σᵢ²)/‖ΔW‖_F,
    /// with σ from numpy (`rank/expected_spectra.csv`), and 0 at full rank.
    func testExtractThenMergeGivesTheEckartYoungError() throws {
        let spectra = try Fixtures.csv("rank/expected_spectra.csv").filter { $0["variant"] == "f64" }
        let base = Fixtures.path("rank/f64_base.safetensors"), tuned = Fixtures.path("rank/f64_tuned.safetensors")
        let dir = try scratch("roundtrip")
        let b = try Checkpoint.open(base), t = try Checkpoint.open(tuned)
        for rank in [1, 2, 5, 100] {
            for dtype in ["f64", "f32"] {
                let out = "\(dir)/r\(rank)-\(dtype)"
                try run(["extract-lora", "--base", base, "--tuned", tuned, "--rank", String(rank), "--dtype", dtype, "--out", out])
                try run(["merge", "--base", base, "--adapter", out, "--out", out + "/merged.safetensors"])
                let merged = try Checkpoint.open(out + "/merged.safetensors")
                let rows = try Fixtures.parseCSV(String(contentsOfFile: out + "/extraction.csv", encoding: .utf8))
                for row in rows {
                    let name = row["tensor"]!
                    let σ = spectra.filter { $0["tensor"] == name }.map { Double($0["sigma"]!)! }
                    let k = min(rank, σ.count)
                    XCTAssertEqual(Int(row["rank"]!)!, k, name)
                    let total = σ.reduce(0) { $0 + $1 * $1 }
                    let eckartYoung = (σ.dropFirst(k).reduce(0) { $0 + $1 * $1 } / total).squareRoot()
                    let tv = try t[name]!.readDoubles(), bv = try b[name]!.readDoubles()
                    let dw = frobenius(tv, minus: bv)
                    let err = frobenius(try merged[name]!.readDoubles(), minus: tv) / dw
                    XCTAssertEqual(err, eckartYoung, accuracy: 1e-6, "\(name) rank \(rank) \(dtype): merged error vs Eckart–Young")
                    XCTAssertEqual(Double(row["rel_error"]!)!, eckartYoung, accuracy: 1e-6, "\(name) rank \(rank): rel_error")
                    XCTAssertEqual(Double(row["retained_energy"]!)!, 1 - eckartYoung * eckartYoung, accuracy: 1e-9, name)
                }
                XCTAssertEqual(Set(rows.map { $0["tensor"]! }),
                               ["conv1.weight", "layers.0.exact_rank3.weight", "layers.0.geometric.weight", "layers.1.wide.weight"])
            }
        }
    }

    func testExtractEnergyPicksPerModuleRanksPEFTCanRead() throws {
        let expected = try Fixtures.csv("peft_expected/expected_compare.csv")
        let out = try scratch("energy") + "/adapter"
        try run(["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--energy", "0.9", "--out", out])
        let rows = try Fixtures.parseCSV(String(contentsOfFile: out + "/extraction.csv", encoding: .utf8))
        // Energy ranks are those numpy found for the full fine-tune's ΔW.
        var checked = 0
        for w in expected where w["adapter"] == "bert/lora_patterns" {
            let row = try XCTUnwrap(rows.first { $0["tensor"] == w["tensor"] })
            XCTAssertEqual(row["rank"], w["full_energy_rank_90"], w["tensor"]!)
            XCTAssertGreaterThanOrEqual(Double(row["retained_energy"]!)!, 0.9)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
        // Read back: every module's rank and s = 1 through rank_pattern/alpha_pattern.
        let adapter = try LoRAAdapter(path: out)
        XCTAssertFalse(adapter.config.rankPattern.isEmpty)
        for row in rows {
            let m = try XCTUnwrap(adapter.modules.first { $0.path + ".weight" == row["tensor"] })
            XCTAssertEqual(m.rank, Int(row["rank"]!)!, m.path)
            XCTAssertEqual(m.scaling, 1, m.path)
        }
        let word = try XCTUnwrap(adapter.modules.first { $0.path == "embeddings.word_embeddings" })
        XCTAssertEqual(word.kind, .embedding)
        XCTAssertEqual(word.a.shape, [word.rank, 100])
        XCTAssertEqual(word.b.shape, [32, word.rank])
        let tokenTypes = try XCTUnwrap(adapter.modules.first { $0.path == "embeddings.token_type_embeddings" })
        XCTAssertLessThanOrEqual(tokenTypes.rank, 2, "a 2 × 32 table has rank ≤ 2")
    }

    func testExtractRankAboveTheSmallSideUsesRankPattern() throws {
        let out = try scratch("small") + "/adapter"
        try run(["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--rank", "8",
                 "--dtype", "bf16", "--out", out])
        let adapter = try LoRAAdapter(path: out)
        XCTAssertEqual(adapter.config.rank, 8)
        XCTAssertEqual(adapter.config.rank(for: "embeddings.token_type_embeddings"), 2)
        XCTAssertEqual(adapter.config.rank(for: "encoder.layer.0.attention.self.query"), 8)
        XCTAssertTrue(adapter.modules.allSatisfy { $0.a.dtype == .bf16 && $0.b.dtype == .bf16 })
    }

    // MARK: - Bad input

    func testBadInputIsOneLineAndWritesNothing() throws {
        let dir = try scratch("bad")
        let cases: [([String], Int32, String)] = [
            (["merge", "--base", Self.peft("bert/base"), "--adapter", Fixtures.path("peft_malformed/nan_in_factor"), "--out", dir + "/m.safetensors"], 1, "shape"),
            (["merge", "--base", Fixtures.path("peft_malformed/base.safetensors"), "--adapter", Fixtures.path("peft_malformed/nan_in_factor"), "--out", dir + "/m.safetensors"], 1, "NaN"),
            (["merge", "--base", Fixtures.path("peft_malformed/base.safetensors"), "--adapter", Fixtures.path("peft_malformed/dora_config"), "--out", dir + "/m.safetensors"], 1, "DoRA"),
            (["compare", "--base", Fixtures.path("peft_malformed/base.safetensors"), "--adapter", Fixtures.path("peft_malformed/no_base_tensor"), "--out", dir + "/c"], 1, "encoder.layer.0.attention.self.key"),
            (["compare", "--base", Self.peft("bert/base"), "--adapter", Self.peft("bert/lora_qv_r2"), "--tuned", Self.peft("gpt2/tuned"), "--out", dir + "/c"], 1, "tuned"),
            (["compare", "--base", Self.peft("bert/base"), "--adapter", Fixtures.path("peft_malformed/bin_only"), "--out", dir + "/c"], 1, "adapter_model.bin"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", dir + "/missing.safetensors", "--rank", "4", "--out", dir + "/e"], 1, "missing.safetensors"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("gpt2/tuned"), "--rank", "4", "--out", dir + "/e"], 1, "no ≥2-D tensor pairs"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--rank", "0", "--out", dir + "/e"], 64, "--rank"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--rank", "4", "--energy", "0.9", "--out", dir + "/e"], 64, "--energy"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--energy", "1.5", "--out", dir + "/e"], 64, "--energy"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--rank", "4", "--dtype", "q8", "--out", dir + "/e"], 64, "--dtype"),
            (["extract-lora", "--base", Self.peft("bert/base"), "--tuned", Self.peft("bert/tuned"), "--rank", "4", "--embeddings", "(", "--out", dir + "/e"], 1, "("),
            (["merge", "--base", Self.peft("bert/base"), "--adapter", Self.peft("bert/lora_qv_r2"), "--prefix-map", "novalue", "--out", dir + "/m.safetensors"], 64, "--prefix-map"),
        ]
        for (args, status, mention) in cases {
            let o = try CommandRunner.run(args)
            XCTAssertEqual(o.status, status, "\(args.joined(separator: " ")):\n\(o.stderr)")
            XCTAssertTrue(o.stderr.contains(mention), "\(args[0]) should mention '\(mention)':\n\(o.stderr)")
            if status == 1 {
                let lines = o.stderr.split(separator: "\n").filter { $0.contains("error") }
                XCTAssertEqual(lines.count, 1, "one error line:\n\(o.stderr)")
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(left, [], "nothing written by failed runs: \(left)")
    }

    /// A full tensor merge cannot apply as merge_and_unload() would — its target missing in the base,
    /// another shape or dtype than the base tensor, a trainable_token_indices delta, a key of no known
    /// kind, a NaN — is one error line naming the key and the adapter file; nothing is written.
    func testMergeRefusesFullTensorsItCannotApply() throws {
        let dir = try scratch("merge-full-bad")
        let source = try LoRAAdapter(path: Self.peft("bert_cls/lora_seq_cls"))
        let file = try SafetensorsFile(path: source.weightsPath)
        let config = try String(contentsOfFile: source.path + "/adapter_config.json", encoding: .utf8)
        let head = "base_model.model.classifier.weight"
        /// The adapter with `edit` applied to its tensor list (name → replacement writer call).
        func variant(_ label: String, config text: String? = nil, _ edit: (inout SafetensorsWriter, TensorDescriptor) -> Bool) throws -> String {
            let folder = dir + "/adapters/" + label
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var w = SafetensorsWriter(metadata: ["format": "pt"])
            for t in file.tensors where !edit(&w, t) { w.add(t.name, copying: t) }
            try w.write(to: folder + "/adapter_model.safetensors")
            try (text ?? config).write(toFile: folder + "/adapter_config.json", atomically: true, encoding: .utf8)
            return folder
        }
        let cases: [(String, String, [String])] = [
            (try variant("no-target") { w, t in
                guard t.name == head else { return false }
                w.add("base_model.model.score.weight", copying: t); return true
            }, "base_model.model.score.weight", ["not in the base"]),
            (try variant("shape") { w, t in
                guard t.name == head else { return false }
                w.add(t.name, shape: [4, 32], float64: Array(repeating: 0.5, count: 128).map { Double($0) }); return true
            }, head, ["shape [4, 32]", "[3, 32]"]),
            (try variant("dtype") { w, t in
                guard t.name == head else { return false }
                w.add(t.name, shape: t.shape, float64: try! t.readDoubles()); return true
            }, head, ["F64", "F32"]),
            (try variant("nan") { w, t in
                guard t.name == head else { return false }
                var v = try! t.readDoubles(); v[7] = .nan
                w.add(t.name, shape: t.shape, values: v, as: .f32); return true
            }, head, ["nan"]),
            (try variant("token-delta") { w, t in
                guard t.name == head else { return false }
                w.add(t.name, copying: t)
                w.add("base_model.model.bert.embeddings.word_embeddings.token_adapter.trainable_tokens_delta", shape: [2, 32],
                      float64: Array(repeating: 0.25, count: 64)); return true
            }, "token_adapter.trainable_tokens_delta", ["trainable_token_indices"]),
            (try variant("unknown", config: config.replacingOccurrences(of: "\"score\"", with: "\"other\"")
                            .replacingOccurrences(of: "\"classifier\"", with: "\"pooler\"")) { _, _ in false },
             "base_model.model.classifier.bias", ["modules_to_save"]),
        ]
        for (adapter, key, mentions) in cases {
            let out = dir + "/out/m.safetensors"
            let o = try CommandRunner.run(["merge", "--base", Self.peft("bert_cls/base"), "--adapter", adapter, "--out", out])
            XCTAssertEqual(o.status, 1, "\(adapter):\n\(o.stderr)")
            let errors = o.stderr.split(separator: "\n").filter { $0.contains("error") }
            XCTAssertEqual(errors.count, 1, "\(adapter): one error line:\n\(o.stderr)")
            let line = String(errors.first ?? "")
            XCTAssertTrue(line.contains(key) && line.contains(adapter + "/adapter_model.safetensors"), "\(adapter): names key and file: \(line)")
            for m in mentions { XCTAssertTrue(line.lowercased().contains(m.lowercased()), "\(adapter): mentions '\(m)': \(line)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"), "\(adapter): nothing written")
        }
    }

    /// trainable_token_indices naming a row beyond the base's embedding table: one line naming the
    /// key, nothing written.
    func testMergeRefusesTokenRowsOutsideTheTable() throws {
        let dir = try scratch("merge-tokens-bad")
        let source = Self.peft("bert_cls/lora_tokens"), folder = dir + "/adapter"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source + "/adapter_model.safetensors", toPath: folder + "/adapter_model.safetensors")
        let config = try String(contentsOfFile: source + "/adapter_config.json", encoding: .utf8)
        let edited = config.replacingOccurrences(of: "\"trainable_token_indices\": [\n    3,\n    5,\n    7\n  ]",
                                                 with: "\"trainable_token_indices\": [3, 5, 100]")
        XCTAssertNotEqual(edited, config)
        try edited.write(toFile: folder + "/adapter_config.json", atomically: true, encoding: .utf8)
        let o = try CommandRunner.run(["merge", "--base", Self.peft("bert_cls/base"), "--adapter", folder, "--out", dir + "/out/m.safetensors"])
        XCTAssertEqual(o.status, 1, o.stderr)
        let errors = o.stderr.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(errors.count, 1, o.stderr)
        XCTAssertTrue(o.stderr.contains("token_adapter.trainable_tokens_delta") && o.stderr.contains("[3, 5, 100]")
                      && o.stderr.contains("bert.embeddings.word_embeddings.weight"), o.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"))
    }

    /// compare reports the adapter's full tensors it ignores (ΔW = s·B·A only) on stderr and in its JSON.
    func testCompareReportsIgnoredFullTensors() throws {
        let dir = try scratch("compare-full")
        let o = try run(["compare", "--base", Self.peft("bert_cls/base"), "--adapter", Self.peft("bert_cls/lora_seq_cls"), "--out", dir + "/c"])
        XCTAssertTrue(o.stderr.contains("ignoring 2 non-LoRA tensors") && o.stderr.contains("base_model.model.classifier.weight"), o.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/c/compare_summary.json"))) as? [String: Any])
        let info = try XCTUnwrap(summary["adapter"] as? [String: Any])
        XCTAssertEqual(info["other_tensors"] as? [String], ["base_model.model.classifier.bias", "base_model.model.classifier.weight"])
    }

    /// extract-lora makes modules only of weights PEFT's LoRA can target (a `.weight`, 2-D or 4-D);
    /// other tensors of two or more dimensions are listed as not extracted with the reason, on stderr
    /// and in extraction.json, and are not in the adapter. PEFT-style names of a ViT, Mamba,
    /// nn.MultiheadAttention and a fused-expert MoE, with a non-zero update in each.
    func testExtractSkipsTensorsPEFTCannotTarget() throws {
        let dir = try scratch("extract-targetable")
        let shapes: [(String, [Int], Bool)] = [  // name, shape, extracted
            ("blocks.0.attn.qkv.weight", [24, 8], true), ("patch_embed.proj.weight", [8, 3, 2, 2], true),
            ("pos_embed", [1, 5, 8], false), ("cls_token", [1, 1, 8], false), ("layers.0.mixer.A_log", [8, 4], false),
            ("encoder.self_attn.in_proj_weight", [24, 8], false), ("mlp.experts.gate_up_proj", [2, 8, 6], false),
            ("temporal.conv.weight", [4, 3, 5], false),
        ]
        var base = SafetensorsWriter(), tuned = SafetensorsWriter()
        for (k, (name, shape, _)) in shapes.enumerated() {
            let n = shape.reduce(1, *)
            let w0 = (0..<n).map { sin(Double($0 + 7 * k) * 0.37) }
            let d = (0..<n).map { cos(Double($0 * $0 + k) * 0.11) * 0.1 }  // a full-rank update
            base.add(name, shape: shape, values: w0, as: .f32)
            tuned.add(name, shape: shape, values: zip(w0, d).map(+), as: .f32)
        }
        try base.write(to: dir + "/base.safetensors")
        try tuned.write(to: dir + "/tuned.safetensors")
        let o = try run(["extract-lora", "--base", dir + "/base.safetensors", "--tuned", dir + "/tuned.safetensors", "--rank", "2", "--out", dir + "/a"])
        let adapter = try LoRAAdapter(path: dir + "/a")
        XCTAssertEqual(adapter.modules.map(\.path), ["blocks.0.attn.qkv", "patch_embed.proj"])
        XCTAssertEqual(adapter.modules.map(\.kind), [.linear, .convolution])
        XCTAssertTrue(adapter.fullTensors.isEmpty)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/a/extraction.json"))) as? [String: Any])
        let listed = Dictionary(uniqueKeysWithValues: try XCTUnwrap(report["not_extracted"] as? [[String: String]]).map { ($0["tensor"]!, $0["reason"]!) })
        for (name, _, extracted) in shapes where !extracted {
            let reason = try XCTUnwrap(listed[name], "\(name) listed as not extracted: \(listed)")
            XCTAssertTrue(reason.contains("Linear") || reason.contains("MultiheadAttention"), "\(name): \(reason)")
            XCTAssertTrue(o.stderr.contains("tensor '\(name)' not extracted"), "\(name) on stderr:\n\(o.stderr)")
        }
        XCTAssertTrue(listed["encoder.self_attn.in_proj_weight"]!.contains("in_proj_weight"))
        XCTAssertTrue(listed["temporal.conv.weight"]!.contains("3-D .weight"))
        XCTAssertTrue(o.stderr.contains("6 tensors not extracted"), o.stderr)
        let csv = try String(contentsOfFile: dir + "/a/extraction.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 3, csv)
    }

    /// merge computes each W₀ + ΔW while it writes: a NaN in an adapted base tensor, met half-way
    /// through the file, still gives one error line naming the tensor and leaves no output and no
    /// temporary file.
    func testMergeMeetingANaNInTheBaseWritesNothing() throws {
        let dir = try scratch("merge-nan")
        // The fixture base with element 5 of the adapted value.weight set to NaN, byte-patched.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("peft_malformed/base.safetensors"))))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        let entry = try XCTUnwrap(header["encoder.layer.0.attention.self.value.weight"] as? [String: Any])
        let start = 8 + headerLength + (try XCTUnwrap((entry["data_offsets"] as? [Int])?.first)) + 4 * 5
        bytes.replaceSubrange(start..<(start + 4), with: [0x00, 0x00, 0xC0, 0x7F])  // quiet NaN, little-endian
        let base = dir + "/base.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: base))
        let out = dir + "/merged.safetensors"
        let o = try CommandRunner.run(["merge", "--base", base, "--adapter", Fixtures.path("peft_malformed/valid"), "--out", out])
        XCTAssertEqual(o.status, 1, o.stderr)
        let errors = o.stderr.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(errors.count, 1, o.stderr)
        XCTAssertTrue(o.stderr.contains("encoder.layer.0.attention.self.value.weight") && o.stderr.contains("NaN"), o.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["base.safetensors"])
    }

    // MARK: - --top-k / --method randomized

    /// compare with ΔW_full's top K by randomized SVD agrees with the exact run on what the top K
    /// determine, and leaves full_energy_rank_90 empty (named in full_beyond_k) where it lies beyond K.
    func testCompareTopKRandomizedAgreesWithExact() throws {
        let dir = try scratch("compare-topk")
        let args = ["compare", "--base", Self.peft("bert/base"), "--adapter", Self.peft("bert/lora_qv_r2"),
                    "--tuned", Self.peft("bert/tuned")]
        _ = try run(args + ["--out", dir + "/exact"])
        _ = try run(args + ["--out", dir + "/fast", "--top-k", "4", "--method", "randomized"])
        let read = { (d: String) in
            Fixtures.parseCSV(try String(contentsOfFile: dir + "/\(d)/compare_summary.csv", encoding: .utf8))
        }
        let exact = try read("exact"), fast = try read("fast")
        XCTAssertEqual(exact.count, fast.count)
        for (e, f) in zip(exact, fast) {
            let label = e["tensor"]!
            XCTAssertEqual(e["full_method"], "exact", label)
            XCTAssertEqual(f["full_method"], "randomized", label)
            XCTAssertEqual(f["full_top_k"], "4", label)
            for c in ["full_stable_rank", "captured_energy", "optimal_rank_r_error", "full_fro_norm", "lora_rel_error"] {
                assertClose(Double(f[c]!)!, Double(e[c]!)!, rtol: 1e-6, "\(label) \(c)")
            }
            if Int(e["full_energy_rank_90"]!)! > 4 {
                XCTAssertEqual(f["full_energy_rank_90"], "", label)
                XCTAssertTrue(f["full_beyond_k"]!.contains("energy_rank_90"), label)
            } else {
                XCTAssertEqual(f["full_energy_rank_90"], e["full_energy_rank_90"], label)
            }
        }
        let bad = try CommandRunner.run(args + ["--out", dir + "/bad", "--method", "randomized"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
    }

    /// extract-lora --method randomized writes the same rank-r factors' energies as the exact extraction.
    func testExtractRandomizedAgreesWithExact() throws {
        let dir = try scratch("extract-randomized")
        let args = ["extract-lora", "--base", Fixtures.path("rank/f32_base.safetensors"),
                    "--tuned", Fixtures.path("rank/f32_tuned.safetensors"), "--rank", "3"]
        _ = try run(args + ["--out", dir + "/exact"])
        _ = try run(args + ["--out", dir + "/fast", "--method", "randomized", "--power-iterations", "1"])
        let read = { (d: String) in
            Fixtures.parseCSV(try String(contentsOfFile: dir + "/\(d)/extraction.csv", encoding: .utf8))
        }
        for (e, f) in zip(try read("exact"), try read("fast")) {
            XCTAssertEqual(e["method"], "exact")
            XCTAssertEqual(f["method"], "randomized", f["tensor"]!)
            XCTAssertEqual(e["rank"], f["rank"])
            assertClose(Double(f["retained_energy"]!)!, Double(e["retained_energy"]!)!, rtol: 1e-6, f["tensor"]!)
        }
        let bad = try CommandRunner.run(["extract-lora", "--base", Fixtures.path("rank/f32_base.safetensors"),
                                         "--tuned", Fixtures.path("rank/f32_tuned.safetensors"), "--energy", "0.9",
                                         "--method", "randomized", "--out", dir + "/bad"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--max-rank"), bad.stderr)
    }
}
