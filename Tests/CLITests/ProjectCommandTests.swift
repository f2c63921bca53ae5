import Foundation
import XCTest
import _TestSupport

/// `intrinsic-dim project` end to end, against the NumPy Fastfood reference.
final class ProjectCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory("project") }

    /// Writes a float64 `.npy` of `values` with `shape`, in NumPy's 1.0 layout.
    func writeNPY(_ name: String, _ values: [Double], shape: [Int], descr: String = "<f8") throws -> String {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
        for v in values {
            if descr == "<f4" { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 } }
            else { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        }
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testFastfoodMatchesNumPyReference() throws {
        let x = try Fixtures.npyDoubles("projections/ff_x.npy")
        let input = try writeNPY("x.npy", x, shape: [37])
        let r = try CommandRunner.run(["project", "--kind", "fastfood", "--d", "37", "--full-dim", "1000", "--seed", "11",
                                       "--input", input, "--output", dir + "/y.npy"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let y = try NPYReader.doubles(dir + "/y.npy")
        let want = try Fixtures.npyDoubles("projections/ff_Px.npy")
        XCTAssertEqual(y.count, 1000)
        for (a, b) in zip(y, want) { XCTAssertEqual(a, b, accuracy: 1e-13) }
        // Transpose: D in, d out, float32 in → float32 out.
        let yRef = try Fixtures.npyDoubles("projections/ff_y.npy")
        let input32 = try writeNPY("y32.npy", yRef, shape: [1000], descr: "<f4")
        let t = try CommandRunner.run(["project", "--kind", "fastfood", "--d", "37", "--full-dim", "1000", "--seed", "11",
                                       "--input", input32, "--output", dir + "/pty.npy", "--transpose"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let header = try Data(contentsOf: URL(fileURLWithPath: dir + "/pty.npy")).prefix(64)
        XCTAssertTrue(String(decoding: header, as: UTF8.self).contains("'<f4'"), "float32 in, float32 out")
    }

    func assertBadInput(_ args: [String], mentions: String, status: ClosedRange<Int32> = 1...125,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CommandRunner.run(["project"] + args + ["--output", dir + "/out.npy"])
        XCTAssertTrue(status.contains(r.status), "exit \(r.status): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), "stderr should mention \(mentions): \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.npy"), "no output on failure", file: file, line: line)
    }

    func testBadInputs() throws {
        let good = try writeNPY("x5.npy", [1, 2, 3, 4, 5], shape: [5])
        let matrix = try writeNPY("m.npy", [1, 2, 3, 4, 5, 6], shape: [2, 3])
        let nan = try writeNPY("nan.npy", [1, .nan, 3, 4, 5], shape: [5])
        let base = ["--kind", "dense", "--full-dim", "100"]
        try assertBadInput(base + ["--d", "6", "--input", good], mentions: "needs 6 values")
        try assertBadInput(base + ["--d", "6", "--input", matrix], mentions: "1-D")
        try assertBadInput(base + ["--d", "5", "--input", nan], mentions: "NaN")
        try assertBadInput(base + ["--d", "5", "--input", dir + "/missing.npy"], mentions: "missing.npy")
        try assertBadInput(["--kind", "fastfood", "--full-dim", "4", "--d", "5", "--input", good], mentions: "exceeds D", status: 64...64)
        try assertBadInput(["--kind", "sparse", "--full-dim", "0", "--d", "5", "--input", good], mentions: "must be positive", status: 64...64)
        try assertBadInput(base + ["--d", "0", "--input", good], mentions: "must be positive", status: 64...64)
        try assertBadInput(base + ["--d", "5", "--input", Fixtures.path("malformed/npy_bad_magic.npy")], mentions: "magic")
    }
}

/// Reads a float `.npy` written by the CLI, without the library.
enum NPYReader {
    static func doubles(_ path: String) throws -> [Double] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        let start = 10 + headerLength
        if header.contains("<f4") {
            return stride(from: start, to: bytes.count, by: 4).map { o in
                Double(Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) }))
            }
        }
        return stride(from: start, to: bytes.count, by: 8).map { o in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) })
        }
    }
}
