import CheckpointIO
import Foundation
import XCTest
import _TestSupport

final class WriterTests: XCTestCase {
    /// `np.save` wrote the fixture; our writer must produce the same bytes
    /// from the same float32 values (header layout, padding to 64, data).
    func testNPYWriterMatchesNumPyBytes() throws {
        let path = Fixtures.path("rank/npy/exact_rank3_c_le_f32.npy")
        let numpyBytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let values = try NPYFile(path: path).tensor.readDoubles().map { Float($0) }
        XCTAssertEqual(Data(NPYWriter.serialize(float32: values, shape: [64, 48])), numpyBytes)
    }

    func testNPYWriterFloat64RoundTrip() throws {
        let dir = try Fixtures.temporaryDirectory("npy")
        let values: [Double] = [1, -2.5, .pi, 1e-300, -0.0, 6]
        try AtomicFile.write(NPYWriter.serialize(float64: values, shape: [2, 3]), to: dir + "/x.npy")
        let t = try NPYFile(path: dir + "/x.npy").tensor
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.dtype, .f64)
        // Bits, soundly: writing and reading do no arithmetic (-0.0 and subnormals included).
        XCTAssertEqual(try t.readDoubles().map(\.bitPattern), values.map(\.bitPattern))
        try AtomicFile.write(NPYWriter.serialize(float64: [7], shape: [1]), to: dir + "/v.npy")
        XCTAssertEqual(try NPYFile(path: dir + "/v.npy").tensor.shape, [1])
    }

    func testSafetensorsWriterOutputPassesTheReader() throws {
        let dir = try Fixtures.temporaryDirectory("st")
        var w = SafetensorsWriter(metadata: ["format": "pt", "note": "quote \" and \\ backslash"])
        w.add("fc1.weight", shape: [2, 3], float32: [1, 2, 3, 4, 5, 6])
        w.add("fc1.bias", shape: [3], float64: [0.5, -0.5, 1e-310])
        w.add("scalar", shape: [], float32: [42])
        try w.write(to: dir + "/m.safetensors")
        let f = try SafetensorsFile(path: dir + "/m.safetensors")
        XCTAssertEqual(f.metadata["note"], "quote \" and \\ backslash")
        let c = try Checkpoint.open(dir + "/m.safetensors")
        XCTAssertEqual(try c["fc1.weight"]!.readDoubles(), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try c["fc1.bias"]!.readDoubles(), [0.5, -0.5, 1e-310])
        XCTAssertEqual(c["scalar"]!.shape, [])
        XCTAssertEqual(try c["scalar"]!.readDoubles(), [42])
        // The header length is a multiple of 8, as the reference writer pads it.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.safetensors"))
        XCTAssertEqual(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8, 0)
    }

    func testAtomicWriteLeavesNothingOnFailure() throws {
        let dir = try Fixtures.temporaryDirectory("atomic")
        let target = dir + "/missing-subdir/out.csv"
        XCTAssertThrowsError(try AtomicFile.write(text: "a,b\n", to: target)) { e in
            XCTAssertEqual((e as? CheckpointError)?.code, .unreadable)
            XCTAssertTrue("\(e)".contains(target))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        try AtomicFile.write(text: "old\n", to: dir + "/f.txt")
        try AtomicFile.write(text: "new\n", to: dir + "/f.txt")
        XCTAssertEqual(try String(contentsOfFile: dir + "/f.txt", encoding: .utf8), "new\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["f.txt"], "no temporary file left")
    }
}
