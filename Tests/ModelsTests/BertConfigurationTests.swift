import Foundation
import Models
import XCTest
import _TestSupport

/// config.json parsing against the folder transformers' save_pretrained wrote, and
/// one-line errors naming the file and field.
final class BertConfigurationTests: XCTestCase {
    func testReadsTransformersConfig() throws {
        let c = try BertConfiguration(contentsOf: Fixtures.path("encoder/tiny"))
        XCTAssertEqual(c.modelType, "bert")
        XCTAssertEqual([c.vocabularySize, c.hiddenSize, c.layerCount, c.headCount, c.intermediateSize,
                        c.maxPositions, c.typeVocabularySize, c.labelCount], [99, 32, 2, 4, 64, 64, 2, 3])
        XCTAssertEqual(c.activation, .gelu)
        XCTAssertEqual(c.hiddenDropout, 0.1)
        XCTAssertEqual(c.attentionDropout, 0.1)
        XCTAssertEqual(c.classifierDropout, 0.1, "classifier_dropout null falls back to hidden_dropout_prob")
        XCTAssertEqual(c.layerNormEpsilon, 1e-12)
        XCTAssertEqual(c.initializerRange, 0.02)
        XCTAssertEqual(c.labels, ["neg", "neu", "pos"])
        let m = try BertConfiguration(contentsOf: Fixtures.path("encoder/minilm/config.json"))
        XCTAssertEqual([m.hiddenSize, m.layerCount, m.headCount, m.intermediateSize, m.vocabularySize], [384, 6, 12, 1536, 30522])
        XCTAssertEqual(m.labels, ["LABEL_0", "LABEL_1"], "transformers' default of two labels")
    }

    func config(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try XCTUnwrap(Fixtures.json("encoder/tiny/config.json") as? [String: Any])
        edit(&object)
        return [UInt8](try JSONSerialization.data(withJSONObject: object))
    }

    func assertError(_ code: ModelError.Code, field: String, _ edit: (inout [String: Any]) -> Void,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        do {
            _ = try BertConfiguration(json: try config(edit), path: "run/config.json")
            XCTFail("no error for \(field)", file: file, line: line)
        } catch let error as ModelError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertEqual(error.field, field, file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("run/config.json: field '\(field)': "), error.description, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }

    func testBadConfigurationsNameTheField() throws {
        try assertError(.missingField, field: "vocab_size") { $0["vocab_size"] = nil }
        try assertError(.missingField, field: "hidden_dropout_prob") { $0["hidden_dropout_prob"] = nil }
        try assertError(.unsupportedModelType, field: "model_type") { $0["model_type"] = "roberta" }
        try assertError(.unsupportedActivation, field: "hidden_act") { $0["hidden_act"] = "swish" }
        try assertError(.invalidField, field: "hidden_size") { $0["hidden_size"] = 32.5 }
        try assertError(.invalidField, field: "num_attention_heads") { $0["num_attention_heads"] = 5 }
        try assertError(.invalidField, field: "attention_probs_dropout_prob") { $0["attention_probs_dropout_prob"] = 1.0 }
        try assertError(.invalidField, field: "id2label") { $0["id2label"] = ["0": "a", "2": "b"] }
        try assertError(.invalidField, field: "num_labels") { $0["num_labels"] = 4 }
        XCTAssertThrowsError(try BertConfiguration(json: Array("[1]".utf8), path: "x.json")) {
            XCTAssertEqual(($0 as? ModelError)?.code, .invalidConfiguration)
        }
        XCTAssertThrowsError(try BertConfiguration(contentsOf: "/nonexistent/folder")) {
            XCTAssertEqual(($0 as? ModelError)?.code, .unreadable)
        }
    }

    func testActivationNames() throws {
        for (name, act) in [("gelu_new", BertActivation.geluNew), ("gelu_pytorch_tanh", .geluPyTorchTanh), ("relu", .relu)] {
            let c = try BertConfiguration(json: try config { $0["hidden_act"] = name }, path: "c.json")
            XCTAssertEqual(c.activation, act)
        }
    }
}
