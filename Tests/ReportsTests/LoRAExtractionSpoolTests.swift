import CheckpointIO
import Foundation
import RankAnalysis
import Reports
import XCTest
import _TestSupport

/// An extraction whose factors go to a ``LoRAAdapterSpool`` as each module is
/// done (what `extract-lora` does, so a 7B adapter never sits in memory) writes
/// the same bytes as one that keeps every module in memory, for any `jobs`,
/// and leaves no scratch file behind.
final class LoRAExtractionSpoolTests: XCTestCase {
    func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != "extraction.json" {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return out
    }

    func testSpooledAdapterEqualsTheInMemoryOne() throws {
        let dir = try Fixtures.temporaryDirectory("spool")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = try Checkpoint.open(Fixtures.path("rank/bf16_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/bf16_tuned.safetensors"))
        let pairing = try TensorPairing(base: base, tuned: tuned)
        let provenance = RunProvenance(command: "extract-lora", arguments: [], inputs: [:], options: [:],
                                       startedAt: Date(timeIntervalSince1970: 0), seconds: 0)
        for dtype in [DType.f32, .bf16] {
            var options = try LoRAExtractionOptions(rule: .energy(0.9))
            let memory = try LoRAExtractor.run(pairing, options: options)
            XCTAssertGreaterThan(memory.modules.count, 1)
            try LoRAExtractionReport(result: memory, provenance: provenance, dtype: dtype, baseModel: nil).write(to: dir + "/memory")
            let expected = try files(dir + "/memory")
            XCTAssertEqual(Set(expected.keys), ["adapter_model.safetensors", "adapter_config.json", "extraction.csv"])
            for jobs in [1, 2] {
                options.jobs = jobs
                let out = dir + "/spool-\(dtype.rawValue)-\(jobs)"
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                do {
                    let spool = try LoRAAdapterSpool(folder: out, dtype: dtype)
                    let result = try LoRAExtractor.run(pairing, options: options, consume: { m in
                        try spool.add(module: m.module, kind: m.kind, b: m.b, a: m.a, kernel: m.kernel)
                    })
                    XCTAssertEqual(result.modules.count, 0, "factors were handed on, not kept")
                    XCTAssertEqual(result.rows, memory.rows)
                    XCTAssertEqual(spool.modulePaths, memory.rows.map(\.module).sorted())
                    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains(".spool-") }.count, 1)
                    try LoRAExtractionReport(result: result, provenance: provenance, dtype: dtype, baseModel: nil,
                                             spool: spool).write(to: out)
                }
                XCTAssertEqual(try files(out), expected, "\(dtype.rawValue), jobs \(jobs)")
                let left = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }
                XCTAssertEqual(left, [], "the spool is removed with its owner")
            }
            try FileManager.default.removeItem(atPath: dir + "/memory")
        }
    }
}
