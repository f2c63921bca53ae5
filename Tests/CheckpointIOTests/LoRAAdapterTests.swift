import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// The PEFT adapter reader on folders PEFT 0.21.2 itself wrote
/// (`Tests/Fixtures/peft`, see its README) and on the malformed corpus
/// (`Tests/Fixtures/peft_malformed`).
final class LoRAAdapterTests: XCTestCase {
    func adapter(_ name: String) throws -> LoRAAdapter { try LoRAAdapter(path: Fixtures.path("peft/\(name)")) }
    func module(_ a: LoRAAdapter, _ path: String) throws -> LoRAModule {
        try XCTUnwrap(a.modules.first { $0.path == path }, "module \(path) in \(a.path)")
    }

    func testRankAndAlphaPatternsFirstMatchingKeyWins() throws {
        // r=4, α=8, rank_pattern {"intermediate.dense": 6, "layer.0.attention.self.query": 2, "query": 3}
        // (PEFT writes keys sorted), alpha_pattern {"value": 16}.
        let a = try adapter("bert/lora_patterns")
        XCTAssertEqual(a.config.rank, 4)
        let q0 = try module(a, "encoder.layer.0.attention.self.query")
        XCTAssertEqual(q0.rank, 2); XCTAssertEqual(q0.scaling, 8.0 / 2)
        XCTAssertEqual(try module(a, "encoder.layer.1.attention.self.query").rank, 3)
        let v = try module(a, "encoder.layer.0.attention.self.value")
        XCTAssertEqual(v.rank, 4); XCTAssertEqual(v.alpha, 16); XCTAssertEqual(v.scaling, 16.0 / 4)
        XCTAssertEqual(try module(a, "encoder.layer.1.intermediate.dense").rank, 6)
        XCTAssertEqual(try module(a, "encoder.layer.1.attention.output.dense").rank, 4)
        XCTAssertTrue(a.modules.allSatisfy { $0.kind == .linear })
        // The patterns PEFT would use: a key also matches after any dotted prefix, never mid-name.
        XCTAssertEqual(LoRAAdapterConfig.firstMatch(["query"], "bert.encoder.layer.0.attention.self.query"), "query")
        XCTAssertNil(LoRAAdapterConfig.firstMatch(["query"], "encoder.layer.0.attention.self.xquery"))
        XCTAssertNil(LoRAAdapterConfig.firstMatch(["layer.1"], "encoder.layer.11"))
    }

    func testRSLoRAScaling() throws {
        let a = try adapter("bert/lora_rslora")  // r=8, α=16, use_rslora
        XCTAssertTrue(a.config.useRSLoRA)
        for m in a.modules { XCTAssertEqual(m.scaling, 16 / 8.0.squareRoot(), accuracy: 1e-15, m.path) }
    }

    func testLayoutKinds() throws {
        let e = try adapter("bert/lora_embedding")
        let word = try module(e, "embeddings.word_embeddings")
        XCTAssertEqual(word.kind, .embedding)
        XCTAssertEqual(word.a.shape, [4, 100]); XCTAssertEqual(word.b.shape, [32, 4])
        XCTAssertEqual(word.expectedBaseShape, [100, 32])
        let g = try adapter("gpt2/lora_conv1d")
        XCTAssertTrue(g.config.fanInFanOut)
        let attn = try module(g, "h.0.attn.c_attn")
        XCTAssertEqual(attn.kind, .conv1D); XCTAssertEqual(attn.expectedBaseShape, [32, 96])
        let c = try adapter("cnn/lora_conv2d")
        let conv2 = try module(c, "conv2")
        XCTAssertEqual(conv2.kind, .convolution); XCTAssertEqual(conv2.inFeatures, 8 * 3 * 3)
        XCTAssertEqual(conv2.expectedBaseShape, [16, 8, 3, 3])
        XCTAssertEqual(try module(c, "fc").kind, .linear)
        if case let .regex(r) = try adapter("bert/lora_regex").config.targetModules {
            XCTAssertTrue(try adapter("bert/lora_regex").config.targets("encoder.layer.1.attention.self.key"), r)
            XCTAssertFalse(try adapter("bert/lora_regex").config.targets("encoder.layer.0.attention.self.key"), r)
        } else {
            XCTFail("lora_regex: target_modules should be read as a regex")
        }
    }

    func testEveryPEFTAdapterBindsToItsBase() throws {
        for (name, base) in [("bert/lora_patterns", "bert/base"), ("bert/lora_embedding", "bert/base"),
                             ("gpt2/lora_conv1d", "gpt2/base"), ("cnn/lora_conv2d", "cnn/base.safetensors")] {
            let bound = try adapter(name).bind(to: try Checkpoint.open(Fixtures.path("peft/\(base)")))
            XCTAssertFalse(bound.isEmpty, name)
            for b in bound { XCTAssertEqual(b.tensor, b.module.path + ".weight", name); XCTAssertNil(b.matchNote) }
        }
    }

    /// The full tensors PEFT 0.21.2 saves beside the factors — the classifier head of a SEQ_CLS
    /// adapter (modules_to_save), the biases of bias "all" / "lora_only" (`….base_layer.bias` for a
    /// LoRA-wrapped layer) — are classified, and each one's target is the name PEFT's own
    /// merge_and_unload() state dict gives it (the committed `<adapter>_merged.safetensors`).
    func testFullTensorsMapToMergeAndUnloadNames() throws {
        let expected: [(String, Int, Int)] = [  // adapter, modules_to_save copies, biases
            ("bert_cls/lora_seq_cls", 2, 0), ("bert_cls/lora_bias_all", 0, 19), ("bert_cls/lora_bias_lora_only", 2, 11),
        ]
        for (name, copies, biases) in expected {
            let a = try adapter(name)
            let merged = try SafetensorsFile(path: Fixtures.path("peft/\(name)_merged.safetensors"))
            XCTAssertEqual(a.fullTensors.filter { $0.role == .modulesToSave }.count, copies, name)
            XCTAssertEqual(a.fullTensors.filter { $0.role == .bias }.count, biases, name)
            XCTAssertEqual(a.otherTensors, a.fullTensors.map(\.key))
            for f in a.fullTensors {
                let t = try XCTUnwrap(merged.tensors.first { $0.name == f.target }, "\(name): \(f.key) → \(f.target) is not a merged name")
                XCTAssertEqual(t.shape, f.tensor.shape, f.key)
                XCTAssertFalse(f.target.contains("base_layer") || f.target.hasPrefix("base_model."), f.target)
            }
            let bound = try a.bindFullTensors(to: try Checkpoint.open(Fixtures.path("peft/bert_cls/base")))
            XCTAssertEqual(bound.map(\.tensor), a.fullTensors.map(\.target), name)
            XCTAssertTrue(bound.allSatisfy { $0.matchNote == nil }, name)
        }
        let seq = try adapter("bert_cls/lora_seq_cls")
        XCTAssertEqual(seq.fullTensors.map(\.target), ["classifier.bias", "classifier.weight"])
        XCTAssertEqual(seq.config.modulesToSave, ["classifier", "score"])
        let lonly = try adapter("bert_cls/lora_bias_lora_only")
        XCTAssertTrue(lonly.fullTensors.contains { $0.key == "base_model.model.bert.encoder.layer.0.attention.self.query.base_layer.bias"
                && $0.target == "bert.encoder.layer.0.attention.self.query.bias" && $0.role == .bias })
        // trainable_token_indices [3, 5, 7]: the rows' new values replace rows 3, 5, 7 of word_embeddings.
        let tokens = try adapter("bert_cls/lora_tokens")
        XCTAssertEqual(tokens.config.trainableTokenIndices.map(\.indices), [[3, 5, 7]])
        let delta = try XCTUnwrap(tokens.fullTensors.first { $0.key.hasSuffix("token_adapter.trainable_tokens_delta") })
        XCTAssertEqual(delta.role, .trainableTokens(rows: [3, 5, 7]))
        XCTAssertEqual(delta.target, "bert.embeddings.word_embeddings.weight")
        XCTAssertEqual(delta.tensor.shape, [3, 32])
        XCTAssertEqual(try tokens.bindFullTensors(to: Checkpoint.open(Fixtures.path("peft/bert_cls/base"))).count, 3)
        // The head of a SEQ_CLS adapter is not in a plain BertModel base: an error naming the key.
        XCTAssertThrowsError(try seq.bindFullTensors(to: Checkpoint.open(Fixtures.path("peft/bert/base")))) { e in
            XCTAssertTrue("\(e)".contains("base_model.model.classifier.bias") && "\(e)".contains("not in the base"), "\(e)")
        }
    }

    /// PEFT decides fan_in_fan_out per module (Conv1D True, Linear False) and saves the config as the
    /// last module left it: gpt2_cls/lora_mixed says false, yet its c_attn and c_proj are Conv1D. Binding
    /// decides per module: rectangular ones by the base's shape, the square attn.c_proj by its sibling.
    func testFanInFanOutIsDecidedPerModuleAsPEFTDoes() throws {
        let a = try adapter("gpt2_cls/lora_mixed")
        XCTAssertFalse(a.config.fanInFanOut)
        let base = try Checkpoint.open(Fixtures.path("peft/gpt2_cls/base"))
        let bound = Dictionary(uniqueKeysWithValues: try a.bind(to: base).map { ($0.module.path, $0) })
        XCTAssertEqual(bound.count, 7)
        for l in 0..<2 {
            let attn = try XCTUnwrap(bound["transformer.h.\(l).attn.c_attn"]), proj = try XCTUnwrap(bound["transformer.h.\(l).attn.c_proj"])
            let mlp = try XCTUnwrap(bound["transformer.h.\(l).mlp.c_proj"])
            XCTAssertEqual(attn.module.kind, .conv1D); XCTAssertNil(attn.layoutNote)
            XCTAssertEqual(mlp.module.kind, .conv1D); XCTAssertEqual(mlp.base.shape, [128, 32])
            XCTAssertEqual(proj.module.kind, .conv1D); XCTAssertEqual(proj.base.shape, [32, 32])
            XCTAssertTrue(proj.layoutNote?.contains("transformer.h.\(l).attn.c_attn.weight") ?? false, proj.layoutNote ?? "no note")
        }
        XCTAssertEqual(bound["score"]?.module.kind, .linear)
        // BERT's square query/value modules: Linear, like their biased siblings in the base.
        for b in try adapter("bert/lora_qv_r2").bind(to: Checkpoint.open(Fixtures.path("peft/bert/base"))) {
            XCTAssertEqual(b.module.kind, .linear, b.module.path)
            XCTAssertTrue(b.layoutNote?.contains("(linear)") ?? false, b.layoutNote ?? "")
        }
    }

    /// A square module with no module of known layout sharing its path falls back on the config's
    /// fan_in_fan_out (the documented limit of LoRALayoutRule); with a biased sibling in the base it
    /// follows the sibling whatever the config says.
    func testSquareModuleLayoutFallsBackOnTheConfig() throws {
        let dir = try Fixtures.temporaryDirectory("square")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let source = try adapter("gpt2_cls/lora_mixed")
        let file = try SafetensorsFile(path: source.weightsPath)
        let config = try String(contentsOfFile: source.path + "/adapter_config.json", encoding: .utf8)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for t in file.tensors where t.name.contains("h.0.attn.c_proj") || t.name.contains(".score.") { w.add(t.name, copying: t) }
        for flag in ["false", "true"] {
            let folder = dir + "/fifo-" + flag
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try w.write(to: folder + "/adapter_model.safetensors")
            try config.replacingOccurrences(of: "\"fan_in_fan_out\": false", with: "\"fan_in_fan_out\": \(flag)")
                .write(toFile: folder + "/adapter_config.json", atomically: true, encoding: .utf8)
        }
        let base = try Checkpoint.open(Fixtures.path("peft/gpt2_cls/base"))
        var nb = SafetensorsWriter()
        for t in base.tensors where !t.name.hasSuffix(".bias") { nb.add(t.name, copying: t) }
        try nb.write(to: dir + "/no-biases.safetensors")
        let noBiases = try Checkpoint.open(dir + "/no-biases.safetensors")
        for (flag, want) in [("false", LoRAModule.Kind.linear), ("true", .conv1D)] {
            let a = try LoRAAdapter(path: dir + "/fifo-" + flag)
            let proj = try XCTUnwrap(try a.bind(to: noBiases).first { $0.module.path == "transformer.h.0.attn.c_proj" })
            XCTAssertEqual(proj.module.kind, want, flag)
            XCTAssertTrue(proj.layoutNote?.contains("config's fan_in_fan_out (\(flag))") ?? false, proj.layoutNote ?? "")
            // With the base's biases, the sibling c_attn (weight [32, 96], bias [96]) says Conv1D.
            let withSibling = try XCTUnwrap(try a.bind(to: base).first { $0.module.path == "transformer.h.0.attn.c_proj" })
            XCTAssertEqual(withSibling.module.kind, .conv1D, flag)
            XCTAssertTrue(withSibling.layoutNote?.contains("transformer.h.0.attn.c_attn.weight [32, 96] with bias [96]") ?? false,
                          withSibling.layoutNote ?? "")
        }
    }

    func testSuffixMatchAndPrefixMap() throws {
        // A base saved with an extra prefix: every tensor renamed "bert.<name>".
        let dir = try Fixtures.temporaryDirectory("prefixed")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let base = try Checkpoint.open(Fixtures.path("peft/bert/base"))
        var w = SafetensorsWriter()
        for t in base.tensors where t.dtype.isReadableReal { w.add("bert." + t.name, copying: t) }
        try w.write(to: dir + "/prefixed.safetensors")
        let prefixed = try Checkpoint.open(dir + "/prefixed.safetensors")
        let bound = try adapter("bert/lora_qv_r2").bind(to: prefixed)
        for b in bound {
            XCTAssertEqual(b.tensor, "bert." + b.module.path + ".weight")
            XCTAssertTrue(b.matchNote?.contains("suffix") ?? false)
        }
        let mapped = try adapter("bert/lora_qv_r2").bind(to: prefixed, prefixMap: [("encoder.", "bert.encoder.")])
        XCTAssertTrue(mapped.allSatisfy { $0.matchNote?.contains("--prefix-map") ?? false && !$0.matchNote!.contains("suffix") })
    }

    /// Keys that carry an adapter name (`….lora_A.default.weight`, `….lora_embedding_A.default`) read
    /// like PEFT's saved keys; a module matching two base tensors by suffix is an error naming both.
    func testAdapterNameInKeysAndAmbiguousMatch() throws {
        let dir = try Fixtures.temporaryDirectory("named")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["bert/lora_qv_r2", "bert/lora_embedding"] {
            let source = try adapter(name)
            let file = try SafetensorsFile(path: source.weightsPath)
            var w = SafetensorsWriter(metadata: ["format": "pt"])
            for t in file.tensors {
                let renamed = t.name.replacingOccurrences(of: ".weight", with: ".default.weight")
                w.add(t.name.contains("lora_embedding") ? t.name + ".default" : renamed, copying: t)
            }
            let folder = dir + "/" + name.replacingOccurrences(of: "/", with: "_")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try w.write(to: folder + "/adapter_model.safetensors")
            try FileManager.default.copyItem(atPath: source.path + "/adapter_config.json", toPath: folder + "/adapter_config.json")
            let named = try LoRAAdapter(path: folder)
            XCTAssertEqual(named.modules.map(\.path), source.modules.map(\.path), name)
            XCTAssertEqual(named.modules.map(\.kind), source.modules.map(\.kind), name)
            for (a, b) in zip(named.modules, source.modules) { XCTAssertEqual(try a.update(), try b.update(), a.path) }
        }
        // Two base tensors end in ".encoder.layer.0.attention.self.query.weight".
        let base = try Checkpoint.open(Fixtures.path("peft/bert/base"))
        var w = SafetensorsWriter()
        for t in base.tensors where t.dtype.isReadableReal { w.add("a." + t.name, copying: t); w.add("b." + t.name, copying: t) }
        try w.write(to: dir + "/twice.safetensors")
        XCTAssertThrowsError(try adapter("bert/lora_qv_r2").bind(to: Checkpoint.open(dir + "/twice.safetensors"))) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("a.encoder.layer.0.attention.self.query.weight") && text.contains("b.encoder.layer.0.attention.self.query.weight")
                          && text.contains("--prefix-map"), text)
        }
    }

    func testMalformedCorpus() throws {
        let expected = try XCTUnwrap(Fixtures.json("peft_malformed/expected_errors.json") as? [String: [String: Any]])
        let base = try Checkpoint.open(Fixtures.path("peft_malformed/base.safetensors"))
        XCTAssertFalse(try LoRAAdapter(path: Fixtures.path("peft_malformed/valid")).bind(to: base).isEmpty)
        XCTAssertEqual(expected.count, 38)
        for (name, spec) in expected.sorted(by: { $0.key < $1.key }) {
            do {
                let a = try LoRAAdapter(path: Fixtures.path("peft_malformed/\(name)"))
                let bound = try a.bind(to: base)
                for b in bound { _ = try b.module.update() }
                XCTFail("\(name): accepted")
            } catch let e as CheckpointError {
                let text = e.description
                XCTAssertFalse(text.contains("\n"), "\(name): one line: \(text)")
                XCTAssertTrue(text.contains(spec["file"] as! String), "\(name): names the file: \(text)")
                if let m = spec["module"] as? String { XCTAssertTrue(text.contains(m), "\(name): names the module: \(text)") }
                for word in spec["mentions"] as! [String] {
                    XCTAssertTrue(text.lowercased().contains(word), "\(name): mentions '\(word)': \(text)")
                }
            }
        }
    }

    func testEmptyFolderAndMissingFolder() throws {
        let dir = try Fixtures.temporaryDirectory("empty-adapter")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try LoRAAdapter(path: dir)) { e in
            XCTAssertTrue("\(e)".contains("adapter_config.json") && "\(e)".contains("missing"), "\(e)")
        }
        XCTAssertThrowsError(try LoRAAdapter(path: dir + "/nope")) { e in XCTAssertTrue("\(e)".contains("nope"), "\(e)") }
    }

    func testWrittenConfigReadsBack() throws {
        var c = LoRAAdapterConfig(rank: 8, alpha: 8)
        c.targetModules = .names(["a.b", "c"])
        c.rankPattern = [(#"a\.b"#, 2)]
        c.alphaPattern = [(#"a\.b"#, 2)]
        c.baseModelNameOrPath = "some/base"
        let dir = try Fixtures.temporaryDirectory("config")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try c.json.write(toFile: dir + "/adapter_config.json", atomically: true, encoding: .utf8)
        let back = try LoRAAdapterConfig(path: dir + "/adapter_config.json")
        XCTAssertEqual(back.rank(for: "x.a.b"), 2); XCTAssertEqual(back.rank(for: "x.ab"), 8)
        XCTAssertEqual(back.scaling(for: "a.b"), 1); XCTAssertEqual(back.scaling(for: "c"), 1)
        XCTAssertEqual(back.targetModules, .names(["a.b", "c"]))
        XCTAssertEqual(back.baseModelNameOrPath, "some/base")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(c.json.utf8)) as? [String: Any])
        XCTAssertEqual(json["peft_type"] as? String, "LORA")
        XCTAssertEqual(json["inference_mode"] as? Bool, true)
    }

    func testBFloat16RoundingIsSingleAndToNearestEven() {
        // 1 + 2⁻⁸ is a tie between 1 and 1 + 2⁻⁷: even → 1.0 (0x3F80).
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(1 + 0x1p-8), 0x3F80)
        // 1 + 2⁻⁸ + 2⁻³⁰ is just above the tie; rounding via Float32 first would make it a tie and round down.
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(1 + 0x1p-8 + 0x1p-30), 0x3F81)
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(1 + 3 * 0x1p-8), 0x3F82)  // tie → even
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(-2.0), 0xC000)
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(1e40), 0x7F80)  // overflow → +inf
    }
}
