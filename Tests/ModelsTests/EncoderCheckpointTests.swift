import CheckpointIO
import Foundation
import Models
import Projections
import XCTest
import _TestSupport

/// Reading Hugging Face folders in every layout, one-line errors for bad ones,
/// and saving a folder that transformers loads.
final class EncoderCheckpointTests: XCTestCase {
    var tiny: EncoderCheckpoint!

    override func setUpWithError() throws {
        tiny = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny"))
    }

    /// A folder with the tiny config and the given tensors (name → values, shape), optionally sharded.
    func folder(_ tensors: [(String, [Int], [Double])], dtype: DType = .f32, shards: Int = 1) throws -> String {
        let dir = try Fixtures.temporaryDirectory("encoder")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Fixtures.path("encoder/tiny/config.json"), toPath: dir + "/config.json")
        if shards == 1 {
            var w = SafetensorsWriter(metadata: ["format": "pt"])
            for (name, shape, values) in tensors { w.add(name, shape: shape, values: values, as: dtype) }
            try w.write(to: dir + "/model.safetensors")
            return dir
        }
        var map: [String: String] = [:]
        for s in 0..<shards {
            var w = SafetensorsWriter(metadata: ["format": "pt"])
            let file = "model-0000\(s + 1)-of-0000\(shards).safetensors"
            for (i, (name, shape, values)) in tensors.enumerated() where i % shards == s {
                w.add(name, shape: shape, values: values, as: dtype)
                map[name] = file
            }
            try w.write(to: dir + "/" + file)
        }
        let json = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map], options: [.sortedKeys])
        try json.write(to: URL(fileURLWithPath: dir + "/model.safetensors.index.json"))
        return dir
    }

    func tinyTensors(rename: (String) -> String = { $0 }) -> [(String, [Int], [Double])] {
        tiny.model.layout.entries.map { (rename($0.name), $0.shape, tiny.parameters[$0.range].map(Double.init)) }
    }

    func testShardedHalfPrecisionWithoutPrefix() throws {
        let bare = tinyTensors { $0.hasPrefix("bert.") ? String($0.dropFirst(5)) : $0 }
            + [("embeddings.position_ids", [1, 64], (0..<64).map(Double.init))]
        for dtype in [DType.f16, .bf16] {
            let dir = try folder(bare, dtype: dtype, shards: 3)
            let loaded = try EncoderCheckpoint.load(folder: dir)
            XCTAssertEqual(loaded.ignoredTensors, ["embeddings.position_ids"])
            XCTAssertEqual(loaded.initializedTensors, [])
            // Each value is the dtype's rounding of the F32 value: within half an ulp of the format.
            let unit = dtype == .f16 ? 0x1p-11 : 0x1p-8
            for (a, b) in zip(loaded.parameters, tiny.parameters) {
                XCTAssertLessThanOrEqual(abs(Double(a) - Double(b)), unit * max(abs(Double(b)), 6.1e-5), "\(dtype)")
            }
        }
    }

    func testMissingHeadIsInitialisedFromTheSeed() throws {
        let dir = try folder(tinyTensors().filter { !$0.0.hasPrefix("classifier.") })
        let a = try EncoderCheckpoint.load(folder: dir, labels: ["x", "y"], seed: 4)
        let b = try EncoderCheckpoint.load(folder: dir, labels: ["x", "y"], seed: 4)
        let c = try EncoderCheckpoint.load(folder: dir, labels: ["x", "y"], seed: 5)
        XCTAssertEqual(a.initializedTensors, ["classifier.weight", "classifier.bias"])
        XCTAssertEqual(a.model.classCount, 2)
        XCTAssertEqual(a.parameters, b.parameters)
        let w = a.model.layout["classifier.weight"]!, bias = a.model.layout["classifier.bias"]!
        XCTAssertNotEqual(Array(a.parameters[w.range]), Array(c.parameters[w.range]))
        XCTAssertEqual(Array(a.parameters[bias.range]), [0, 0])
        // N(0, 0.02²): normal k of stream (seed, initialization, group: the tensor's layout index).
        let index = a.model.layout.entries.firstIndex { $0.name == "classifier.weight" }!
        let stream = RandomStream(seed: 4, kind: .initialization, group: index)
        for k in [0, 17, 63] { XCTAssertEqual(a.parameters[w.offset + k], Float(stream.normal(k) * 0.02)) }
        let values = a.parameters[w.range].map(Double.init)
        let sd = (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        XCTAssertEqual(sd, 0.02, accuracy: 0.006)
    }

    func assertLoadError(_ code: ModelError.Code, tensor: String, _ tensors: [(String, [Int], [Double])],
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try folder(tensors)
        do {
            _ = try EncoderCheckpoint.load(folder: dir)
            XCTFail("no error", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertEqual(error.tensor, tensor, file: file, line: line)
            XCTAssertTrue(error.description.contains("model.safetensors") && error.description.contains("'\(tensor)'"),
                          error.description, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
        }
    }

    func testBadFoldersNameFileAndTensor() throws {
        let name = "bert.encoder.layer.1.intermediate.dense.weight"
        try assertLoadError(.missingTensor, tensor: name, tinyTensors().filter { $0.0 != name })
        try assertLoadError(.shapeMismatch, tensor: name, tinyTensors().map { $0.0 == name ? ($0.0, [32, 64], $0.2) : $0 })
        try assertLoadError(.nonFinite, tensor: name, tinyTensors().map {
            $0.0 == name ? ($0.0, $0.1, [.nan] + $0.2.dropFirst()) : $0
        })
        // A stored head for 3 labels, loaded with 2.
        do {
            _ = try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny"), labels: ["a", "b"])
            XCTFail("no error for a head of the wrong width")
        } catch {
            XCTAssertEqual(error.code, .shapeMismatch)
            XCTAssertEqual(error.tensor, "classifier.weight")
            XCTAssertTrue(error.description.hasSuffix("expected [2, 32] for 2 labels"), error.description)
        }
        let empty = try Fixtures.temporaryDirectory("encoder")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try FileManager.default.copyItem(atPath: Fixtures.path("encoder/tiny/config.json"), toPath: empty + "/config.json")
        XCTAssertThrowsError(try EncoderCheckpoint.load(folder: empty)) { XCTAssertEqual(($0 as? ModelError)?.code, .unreadable) }
    }

    func testBadBatchesAreRejected() throws {
        let m = tiny.model
        func code(_ b: EncoderBatch) -> ModelError.Code? {
            do { try m.validate(b); return nil } catch { return error.code }
        }
        XCTAssertNil(code(EncoderBatch(count: 1, length: 3, tokenIDs: [2, 5, 3], labels: [1])))
        XCTAssertEqual(code(EncoderBatch(count: 1, length: 3, tokenIDs: [2, 99, 3])), .invalidBatch)
        XCTAssertEqual(code(EncoderBatch(count: 1, length: 3, tokenIDs: [2, 5, 3], tokenTypes: [0, 2, 0])), .invalidBatch)
        XCTAssertEqual(code(EncoderBatch(count: 1, length: 3, tokenIDs: [2, 5, 3], attentionMask: [0, 0, 0])), .invalidBatch)
        XCTAssertEqual(code(EncoderBatch(count: 1, length: 3, tokenIDs: [2, 5, 3], labels: [3])), .invalidBatch)
        XCTAssertEqual(code(EncoderBatch(count: 1, length: 65, tokenIDs: [Int32](repeating: 5, count: 65))), .invalidBatch)
    }

    /// Saved folders reload to the same θ, and transformers' from_pretrained loads them
    /// with no missing or unexpected keys and gives our logits (the real client).
    func testSavedFolderLoadsInTransformers() throws {
        let python = Fixtures.root + "/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            if ProcessInfo.processInfo.environment["INTRINSIC_DIM_NO_CLIENTS"] == "1" {
                throw XCTSkip("INTRINSIC_DIM_NO_CLIENTS=1: transformers not run")
            }
            XCTFail("\(python) is missing (scripts/setup-venv.sh; INTRINSIC_DIM_NO_CLIENTS=1 opts out)")
            return
        }
        // A base without a head, given labels and a seed, then saved.
        let base = try folder(tinyTensors().filter { !$0.0.hasPrefix("classifier.") })
        let loaded = try EncoderCheckpoint.load(folder: base, labels: ["sports", "world"], seed: 9)
        var theta = loaded.parameters
        for k in theta.indices { theta[k] += 0.001 * Float(k % 7) }  // as after training
        let out = try Fixtures.temporaryDirectory("encoder-saved")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try loaded.model.save(parameters: theta, to: out + "/run")
        let again = try EncoderCheckpoint.load(folder: out + "/run")
        XCTAssertEqual(again.parameters, theta)
        XCTAssertEqual(again.model.configuration.labels, ["sports", "world"])
        XCTAssertEqual(again.initializedTensors, [])

        let ref = try EncoderFixtures.reference("tiny_reference.safetensors")
        let batch = try EncoderFixtures.batch(ref, prefix: "pair.")
        let ours = EncoderFixtures.run(loaded.model, theta, batch, gradient: false).logits
        let script = """
        import json, sys, torch
        from transformers import BertForSequenceClassification
        m, info = BertForSequenceClassification.from_pretrained(sys.argv[1], output_loading_info=True)
        m = m.double().eval()
        b = json.loads(sys.argv[2])
        with torch.no_grad():
            z = m(input_ids=torch.tensor(b["ids"]), token_type_ids=torch.tensor(b["types"]),
                  attention_mask=torch.tensor(b["mask"])).logits
        print(json.dumps({"missing": sorted(map(str, info["missing_keys"])),
                          "unexpected": sorted(map(str, info["unexpected_keys"])),
                          "mismatched": sorted(map(str, info["mismatched_keys"])),
                          "num_labels": m.config.num_labels, "id2label": {str(k): v for k, v in m.config.id2label.items()},
                          "architectures": m.config.architectures, "logits": z.flatten().tolist()}))
        """
        func rows(_ v: [Int32]) -> [[Int32]] { stride(from: 0, to: v.count, by: batch.length).map { Array(v[$0..<($0 + batch.length)]) } }
        let input = try JSONSerialization.data(withJSONObject: ["ids": rows(batch.tokenIDs), "types": rows(batch.tokenTypes),
                                                                "mask": rows(batch.attentionMask)])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, out + "/run", String(decoding: input, as: UTF8.self)]
        let pipe = Pipe()
        p.standardOutput = pipe
        let errors = out + "/stderr.txt"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, String(stderr.suffix(2000)))
        let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        XCTAssertEqual(answer["missing"] as? [String], [])
        XCTAssertEqual(answer["unexpected"] as? [String], [])
        XCTAssertEqual((answer["mismatched"] as? [Any])?.count, 0)
        XCTAssertEqual(answer["num_labels"] as? Int, 2)
        XCTAssertEqual(answer["id2label"] as? [String: String], ["0": "sports", "1": "world"])
        XCTAssertEqual(answer["architectures"] as? [String], ["BertForSequenceClassification"])
        let theirs = try XCTUnwrap(answer["logits"] as? [Double])
        let error = EncoderFixtures.relativeMax(ours, theirs)
        print("encoder saved folder: transformers logits vs ours, relative \(error)")
        XCTAssertLessThanOrEqual(error, 1e-4)
    }
}
