import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// `config.json` beside a checkpoint: the classes transformers wrote (`architectures`) and
/// PEFT's task type for them, on the folders transformers saved (`Tests/Fixtures/folders`).
final class ModelFolderConfigTests: XCTestCase {
    func testReadsTheFoldersTransformersWrote() throws {
        let run = try XCTUnwrap(ModelFolderConfig.near(Fixtures.path("folders/run")))
        XCTAssertEqual(run.architectures, ["BertForSequenceClassification"])
        XCTAssertEqual(run.modelType, "bert")
        XCTAssertEqual(run.labelCount, 3)
        XCTAssertEqual(run.peftTaskType, "SEQ_CLS")
        // From the weights file inside the folder, the same config.
        XCTAssertEqual(try ModelFolderConfig.near(Fixtures.path("folders/run/model.safetensors"))?.path, run.path)
        let base = try XCTUnwrap(ModelFolderConfig.near(Fixtures.path("folders/base")))
        XCTAssertEqual(base.architectures, ["BertModel"])
        XCTAssertNil(base.peftTaskType, "a bare BertModel has no PEFT task type")
        XCTAssertNil(try ModelFolderConfig.near(Fixtures.path("rank/f32_base.safetensors")), "no config.json beside it")
        XCTAssertNil(try ModelFolderConfig.near("/nonexistent/model.safetensors"))
    }

    func testTaskTypesAndBadFields() throws {
        let dir = try Fixtures.temporaryDirectory("modelconfig")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.json"
        for (architecture, task) in [("GPT2LMHeadModel", "CAUSAL_LM"), ("LlamaForCausalLM", "CAUSAL_LM"),
                                     ("BertForTokenClassification", "TOKEN_CLS"), ("BertForQuestionAnswering", "QUESTION_ANS"),
                                     ("T5ForConditionalGeneration", "SEQ_2_SEQ_LM")] {
            try "{\"architectures\": [\"\(architecture)\"]}".write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertEqual(try ModelFolderConfig(path: path).peftTaskType, task, architecture)
        }
        for (text, field) in [("{\"architectures\": \"BertModel\"}", "'architectures'"), ("[1]", "not an object"),
                              ("{\"num_labels\": 0}", "'num_labels'"), ("{", "invalid JSON")] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ModelFolderConfig(path: path)) { e in
                XCTAssertEqual((e as? CheckpointError)?.code, .invalidJSON, text)
                XCTAssertTrue("\(e)".contains(path) && "\(e)".contains(field), "\(e)")
            }
        }
    }
}
