import Foundation
import LinearAlgebra
import Reports
import XCTest

/// `provenance.blas_kernel`: written with the kernel OpenBLAS reports, and
/// absent (nil) when reading a file from before it was recorded.
final class RunProvenanceTests: XCTestCase {
    private func provenance() -> RunProvenance {
        RunProvenance(command: "rank", arguments: ["intrinsic-dim", "rank"], inputs: [:], options: [:],
                      startedAt: Date(timeIntervalSince1970: 0), seconds: 1.5)
    }

    func testRecordsTheKernelInUse() throws {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(provenance())) as? [String: Any])
        let kernel = try XCTUnwrap(json["blas_kernel"] as? [String: Any], "blas_kernel in \(json.keys.sorted())")
        XCTAssertEqual(kernel["corename"] as? String, BLASKernel.current.corename)
        XCTAssertEqual(kernel["config"] as? String, LibraryVersions.openBLAS)
        let requested = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        XCTAssertEqual(kernel["origin"] as? String, requested == nil ? "detected" : "user")
        XCTAssertEqual(kernel["requested"] as? String, requested)
        if requested == nil { XCTAssertNil(kernel["requested"], "absent when OPENBLAS_CORETYPE is unset") }
    }

    func testReadsAFileWrittenWithoutTheKernel() throws {
        let old = """
            {"tool": "intrinsic-dim", "version": "0.1.0", "command": "rank", "arguments": ["intrinsic-dim", "rank"],
             "inputs": {}, "options": {}, "libraries": {"openblas": "OpenBLAS 0.3.21", "fftw": "fftw-3.3.10"},
             "started_at": "2026-12-01T00:00:00Z", "seconds": 2.0, "host": "h", "processors": 2}
            """
        let p = try JSONDecoder().decode(RunProvenance.self, from: Data(old.utf8))
        XCTAssertNil(p.blasKernel)
        XCTAssertEqual(p.seconds, 2.0)
        // And a record round-trips.
        let again = try JSONDecoder().decode(RunProvenance.self, from: JSONEncoder().encode(provenance()))
        XCTAssertEqual(again.blasKernel, BLASKernel.current)
    }
}
