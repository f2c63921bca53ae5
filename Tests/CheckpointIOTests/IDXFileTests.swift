import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// The IDX reader against files written with Python's struct/gzip
/// (`Tests/Fixtures/idx/make_idx_fixtures.py`) and the bundled MNIST files.
final class IDXFileTests: XCTestCase {
    func testEveryTypeAndGzip() throws {
        let expected = try XCTUnwrap(Fixtures.json("idx/expected.json") as? [String: Any])
        let valid = try XCTUnwrap(expected["valid"] as? [String: [String: Any]])
        XCTAssertEqual(valid.count, 8)
        for (name, want) in valid.sorted(by: { $0.key < $1.key }) {
            let f = try IDXFile(path: Fixtures.path("idx/" + name))
            XCTAssertEqual(Int(f.elementType.rawValue), want["type_code"] as? Int, name)
            XCTAssertEqual(f.shape, want["shape"] as? [Int], name)
            let bits = try XCTUnwrap(want["bits"] as? [String]).map { UInt64($0, radix: 16)! }
            XCTAssertEqual(f.doubleValues().map(\.bitPattern), bits, name)
        }
        XCTAssertEqual(try IDXFile(path: Fixtures.path("idx/small_u8.idx.gz")).uint8Values(),
                       try IDXFile(path: Fixtures.path("idx/small_u8.idx")).uint8Values())
    }

    func testMalformedFilesNameTheirError() throws {
        let expected = try XCTUnwrap(Fixtures.json("idx/expected.json") as? [String: Any])
        let malformed = try XCTUnwrap(expected["malformed"] as? [String: String])
        XCTAssertEqual(malformed.count, 11)
        for (name, code) in malformed.sorted(by: { $0.key < $1.key }) {
            let path = Fixtures.path("idx/" + name)
            XCTAssertThrowsError(try IDXFile(path: path), name) { e in
                let error = e as? CheckpointError
                XCTAssertEqual(error?.code.name, code, "\(name): \(e)")
                XCTAssertTrue("\(e)".hasPrefix(path), "\(name): names the file")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
    }

    /// The bundled MNIST files: shapes, first values, label histograms and
    /// pixel sums computed by numpy from the same gzip files.
    func testBundledMNIST() throws {
        let stats = try XCTUnwrap(Fixtures.json("idx/mnist.json") as? [String: [String: Any]])
        for (name, want) in stats.sorted(by: { $0.key < $1.key }) {
            let f = try IDXFile(path: Fixtures.root + "/data/mnist/" + name)
            XCTAssertEqual(f.elementType, .uint8, name)
            XCTAssertEqual(f.shape, want["shape"] as? [Int], name)
            let v = f.uint8Values()
            XCTAssertEqual(v.prefix(10).map(Int.init), want["first"] as? [Int], name)
            XCTAssertEqual(v.reduce(0) { $0 + Int($1) }, want["sum"] as? Int, name)
            if let histogram = want["histogram"] as? [Int] {
                var h = [Int](repeating: 0, count: 10)
                for label in v { h[Int(label)] += 1 }
                XCTAssertEqual(h, histogram, name)
            }
        }
    }
}
