import CheckpointIO
import Foundation
import RankAnalysis
import XCTest
import _TestSupport

/// Pairing, rank, compare and extraction across transformers' two layouts of one
/// model (`Tests/Fixtures/folders`): a bare `BertModel` base (no prefix) and
/// `BertForSequenceClassification` run folders fine-tuned from it (`bert.…`,
/// `classifier.…`), with numpy's singular values and LoRA-paper quantities
/// (`expected.safetensors`) as the reference.
final class RunFolderPairingTests: XCTestCase {
    let base = { try! Checkpoint.open(Fixtures.path("folders/base")) }()
    let run = { try! Checkpoint.open(Fixtures.path("folders/run")) }()
    let run2 = { try! Checkpoint.open(Fixtures.path("folders/run2")) }()
    let expected = { try! Checkpoint.open(Fixtures.path("folders/expected.safetensors")) }()

    func testAlignmentRuleOnNameLists() {
        let bare = ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight", "pooler.dense.weight"]
        let head = bare.map { "bert." + $0 } + ["classifier.bias", "classifier.weight"]
        let a = TensorNameAlignment(base: bare, tuned: head)
        XCTAssertEqual(a.prefix, "bert.")
        XCTAssertEqual(a.prefixedSide, .tuned)
        XCTAssertEqual(a.reportedName(forBase: "pooler.dense.weight"), "bert.pooler.dense.weight")
        XCTAssertTrue(a.isHead("classifier.weight", on: .tuned))
        XCTAssertFalse(a.isHead("bert.pooler.dense.weight", on: .tuned))
        let reverse = TensorNameAlignment(base: head, tuned: bare)
        XCTAssertEqual(reverse, TensorNameAlignment(prefix: "bert.", prefixedSide: .base))
        XCTAssertEqual(TensorNameAlignment(base: head, tuned: head), .identity, "two run folders pair as they are")
        XCTAssertEqual(TensorNameAlignment(base: bare, tuned: bare), .identity)
        XCTAssertEqual(TensorNameAlignment(base: bare, tuned: ["x.weight", "y.weight"]), .identity, "nothing to pair either way")
        // A prefix the other side also uses is not a head-model prefix.
        XCTAssertEqual(TensorNameAlignment(base: ["bert.a.weight", "b.weight"], tuned: ["bert.b.weight"]), .identity)
        // A prefix that pairs no more than the names as they are is not taken.
        XCTAssertEqual(TensorNameAlignment(base: ["a.w", "b.w"], tuned: ["a.w", "b.w", "m.a.w"]), .identity)
    }

    func testRunFolderPairsWithItsBareBaseAcrossThePrefix() throws {
        let p = try TensorPairing(base: base, tuned: run, strict: true)
        XCTAssertEqual(p.names, TensorNameAlignment(prefix: "bert.", prefixedSide: .tuned))
        let twoD = base.tensors.filter { $0.shape.count == 2 }.map { "bert." + $0.name }
        let oneD = base.tensors.filter { $0.shape.count == 1 }.map { "bert." + $0.name }
        XCTAssertEqual(p.matrices.map(\.name), twoD)
        XCTAssertEqual(p.vectors.map(\.name), oneD)
        XCTAssertEqual(p.headOnly.map(\.name), ["classifier.bias", "classifier.weight"])
        XCTAssertEqual(p.onlyInBase, [])
        XCTAssertEqual(p.onlyInTuned, [])
        XCTAssertEqual(p.unpaired, [SkippedTensor(tensor: "classifier.bias", reason: "new head, no base tensor"),
                                    SkippedTensor(tensor: "classifier.weight", reason: "new head, no base tensor")])
        for pair in p.matrices + p.vectors {
            XCTAssertEqual(pair.base.name, String(pair.name.dropFirst("bert.".count)))
            XCTAssertEqual(pair.tuned.name, pair.name)
        }
        // The filter sees the reported (prefixed) names.
        let only = try TensorPairing(base: base, tuned: run, filter: TensorFilter(include: ["^bert\\.pooler\\."]))
        XCTAssertEqual(only.matrices.map(\.name), ["bert.pooler.dense.weight"])
        XCTAssertEqual(only.headOnly.map(\.name), [])
        // The other way round: the base side carries the prefix and its head is "absent from tuned".
        let reverse = try TensorPairing(base: run, tuned: base, strict: true)
        XCTAssertEqual(reverse.matrices.map(\.name), twoD)
        XCTAssertEqual(reverse.unpaired.map(\.reason), ["head of the base model, absent from tuned", "head of the base model, absent from tuned"])
    }

    /// An integer buffer on one side only (all-MiniLM-L6-v2 stores `embeddings.position_ids`, a run folder
    /// does not) is skipped for its dtype, not unpaired: `--strict` does not fail on it.
    func testOneSidedIntegerBufferIsSkippedNotUnpaired() throws {
        let dir = try Fixtures.temporaryDirectory("buffer")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        var a = SafetensorsWriter(), b = SafetensorsWriter()
        a.add("encoder.w.weight", shape: [2, 2], float32: [1, 2, 3, 4])
        a.add("embeddings.position_ids", dtype: .i64, shape: [1, 2]) { [UInt8](repeating: 0, count: 16) }
        b.add("bert.encoder.w.weight", shape: [2, 2], float32: [1, 2, 3, 5])
        b.add("classifier.weight", shape: [3, 2], float32: [1, 2, 3, 4, 5, 6])
        try a.write(to: dir + "/base.safetensors")
        try b.write(to: dir + "/run.safetensors")
        let p = try TensorPairing(base: Checkpoint.open(dir + "/base.safetensors"), tuned: Checkpoint.open(dir + "/run.safetensors"),
                                  strict: true)
        XCTAssertEqual(p.matrices.map(\.name), ["bert.encoder.w.weight"])
        XCTAssertEqual(p.skipped.map(\.tensor), ["bert.embeddings.position_ids"])
        XCTAssertTrue(p.skipped[0].reason.hasSuffix("; in base only"), p.skipped[0].reason)
        XCTAssertEqual(p.onlyInBase, [])
        XCTAssertEqual(p.headOnly.map(\.name), ["classifier.weight"])
    }

    /// σ(ΔW) of every matrix equals numpy's `np.linalg.svd` of run − base; the head is skipped, not failed.
    func testRankOfRunAgainstBaseEqualsNumpy() throws {
        let result = try RankAnalyzer.run(TensorPairing(base: base, tuned: run))
        XCTAssertEqual(result.matrices.count, base.tensors.filter { $0.shape.count == 2 }.count)
        for m in result.matrices {
            let want = try XCTUnwrap(expected["rank.sigma." + m.tensor], m.tensor).readDoubles()
            XCTAssertEqual(m.singularValues.count, want.count, m.tensor)
            for (g, w) in zip(m.singularValues, want) {
                XCTAssertEqual(g, w, accuracy: 1e-12 * want[0] + 1e-15, m.tensor)
            }
        }
        for v in result.vectors {
            let want = try XCTUnwrap(expected["rank.rel." + v.tensor], v.tensor).readDoubles()[0]
            XCTAssertEqual(v.relativeUpdate, want, accuracy: 1e-12 * want, v.tensor)
        }
        XCTAssertEqual(result.skipped.filter { $0.tensor.hasPrefix("classifier.") }.map(\.reason),
                       ["new head, no base tensor", "new head, no base tensor"])
    }

    /// Two run folders of the same base pair as they are, the classifier included.
    func testTwoRunFoldersPairAsTheyAre() throws {
        let p = try TensorPairing(base: run, tuned: run2, strict: true)
        XCTAssertEqual(p.names, .identity)
        XCTAssertTrue(p.matrices.contains { $0.name == "classifier.weight" })
        XCTAssertEqual(p.matrices.count + p.vectors.count, run.tensors.count)
        XCTAssertEqual(p.unpaired, [])
    }

    /// A PEFT SEQ_CLS adapter of BertForSequenceClassification (modules `bert.…`) bound to the bare base
    /// meets the run folder's ΔW: captured energy and the adapter's error equal numpy's.
    func testCompareAdapterWithRunFolderEqualsNumpy() throws {
        let adapter = try LoRAAdapter(path: Fixtures.path("folders/adapter"))
        let bound = try adapter.bind(to: base)
        XCTAssertEqual(LoRAComparer.names(adapter: bound, tuned: run), TensorNameAlignment(prefix: "bert.", prefixedSide: .tuned))
        let rows = try LoRAComparer.run(adapter: bound, tuned: run)
        XCTAssertEqual(rows.count, 4)
        for r in rows {
            XCTAssertTrue(r.module.hasPrefix("bert.encoder.layer."), r.module)
            let captured = try XCTUnwrap(expected["compare.captured." + r.module], r.module).readDoubles()[0]
            let error = try XCTUnwrap(expected["compare.lora_error." + r.module], r.module).readDoubles()[0]
            XCTAssertEqual(try XCTUnwrap(r.capturedEnergy), captured, accuracy: 1e-10, r.module)
            XCTAssertEqual(try XCTUnwrap(r.loraRelativeError), error, accuracy: 1e-10 * error, r.module)
        }
    }

    /// Extraction from (bare base, run folder): modules under the head model's names, the new head returned
    /// whole for modules_to_save.
    func testExtractionNamesModulesAsTheHeadModelAndKeepsTheHead() throws {
        let pairing = try TensorPairing(base: base, tuned: run)
        let result = try LoRAExtractor.run(pairing, options: try LoRAExtractionOptions(rule: .fixed(2)))
        XCTAssertTrue(result.rows.allSatisfy { $0.module.hasPrefix("bert.") }, "\(result.rows.map(\.module))")
        XCTAssertTrue(result.rows.contains { $0.module == "bert.encoder.layer.1.attention.self.query" })
        XCTAssertEqual(result.newHead.map(\.name), ["classifier.bias", "classifier.weight"])
        XCTAssertEqual(result.newHeadModules, ["classifier"])
        XCTAssertFalse(result.notExtracted.contains { $0.tensor.hasPrefix("classifier.") })
        // Two run folders: no new head; the classifier's ΔW is extracted like any Linear.
        let again = try LoRAExtractor.run(TensorPairing(base: run, tuned: run2), options: try LoRAExtractionOptions(rule: .fixed(2)))
        XCTAssertEqual(again.newHead.map(\.name), [])
        XCTAssertTrue(again.rows.contains { $0.module == "classifier" })
    }
}
