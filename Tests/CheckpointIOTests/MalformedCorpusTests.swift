import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// Every file of `Tests/Fixtures/malformed` (made by `make_malformed.py`)
/// must give the specific error `expected_errors.json` names.
final class MalformedCorpusTests: XCTestCase {
    struct Expectation {
        let code: String
        let tensor: String?
        let element: [Int]?
    }

    func loadExpectations() throws -> [String: Expectation] {
        let json = try XCTUnwrap(Fixtures.json("malformed/expected_errors.json") as? [String: [String: Any]])
        return json.mapValues {
            Expectation(code: $0["code"] as! String, tensor: $0["tensor"] as? String, element: $0["element"] as? [Int])
        }
    }

    func testEveryMalformedFileGivesItsError() throws {
        let expectations = try loadExpectations()
        XCTAssertGreaterThanOrEqual(expectations.count, 35)
        for (file, want) in expectations.sorted(by: { $0.key < $1.key }) {
            let path = Fixtures.path("malformed/" + file)
            do {
                let checkpoint = try Checkpoint.open(path)
                // Structurally valid: the defect is in the values.
                for t in checkpoint.tensors { _ = try t.readDoubles() }
                XCTFail("\(file): read without error, expected \(want.code)")
            } catch let error as CheckpointError {
                XCTAssertEqual(error.code.name, want.code, "\(file): \(error)")
                XCTAssertEqual(error.tensor, want.tensor, "\(file): tensor of \(error)")
                if let element = want.element { XCTAssertEqual(error.element, element, "\(file): element") }
                XCTAssertTrue(error.description.hasPrefix(path), "\(file): message must start with the path: \(error)")
                XCTAssertFalse(error.description.contains("\n"), "\(file): message must be one line")
            } catch {
                XCTFail("\(file): unexpected error type \(type(of: error)): \(error)")
            }
        }
    }

    func testMissingFileIsUnreadable() {
        XCTAssertThrowsError(try Checkpoint.open("/nonexistent/model.safetensors")) { e in
            XCTAssertEqual((e as? CheckpointError)?.code, .unreadable)
        }
    }

    func testDirectoryWithoutCheckpointIsRejected() throws {
        let dir = try Fixtures.temporaryDirectory("empty")
        XCTAssertThrowsError(try Checkpoint.open(dir)) { e in
            XCTAssertEqual((e as? CheckpointError)?.code, .notACheckpoint)
        }
    }
}
