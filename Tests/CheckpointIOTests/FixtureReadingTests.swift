import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// Reading real files written by numpy, safetensors and ml_dtypes
/// (`Tests/Fixtures/rank/make_rank_fixtures.py`).
final class FixtureReadingTests: XCTestCase {
    func testSafetensorsHeaderAndTensorList() throws {
        let f = try SafetensorsFile(path: Fixtures.path("rank/bf16_base.safetensors"))
        XCTAssertEqual(f.metadata, ["format": "pt"])
        let byName = Dictionary(uniqueKeysWithValues: f.tensors.map { ($0.name, $0) })
        XCTAssertEqual(Set(byName.keys), ["conv1.weight", "layers.0.bias", "layers.0.exact_rank3.weight",
                                          "layers.0.geometric.weight", "layers.1.wide.weight",
                                          "layers.1.zero_update.weight", "only_in_base.weight", "position_ids"])
        XCTAssertEqual(byName["conv1.weight"]?.shape, [8, 3, 3, 3])
        XCTAssertEqual(byName["conv1.weight"]?.dtype, .bf16)
        XCTAssertEqual(byName["position_ids"]?.dtype, .i64)
        XCTAssertEqual(byName["position_ids"]?.shape, [1, 16])
    }

    /// The F16/BF16/F32 copies were made from the same float64 values; each
    /// must decode to within its dtype's half-ulp of the F64 copy.
    func testNarrowDTypesDecodeNearF64Values() throws {
        let ref = try Checkpoint.open(Fixtures.path("rank/f64_tuned.safetensors"))
        for (variant, relTol) in [("f32", 0x1p-24), ("f16", 0x1p-11), ("bf16", 0x1p-8)] {
            let c = try Checkpoint.open(Fixtures.path("rank/\(variant)_tuned.safetensors"))
            for t in c.tensors where t.dtype.isReadableReal {
                let a = try t.readDoubles()
                let b = try XCTUnwrap(ref[t.name]).readDoubles()
                for (x, y) in zip(a, b) where y != 0 {
                    // Values below F16's normal range (6.1e-5) round to an absolute step.
                    XCTAssertLessThanOrEqual(abs(x - y), relTol * abs(y) + (variant == "f16" ? 0x1p-25 : 0),
                                             "\(variant) \(t.name): \(x) vs \(y)")
                }
            }
        }
    }

    func testIntegerTensorIsNotDecodedAsReal() throws {
        let c = try Checkpoint.open(Fixtures.path("rank/f32_base.safetensors"))
        XCTAssertThrowsError(try XCTUnwrap(c["position_ids"]).readDoubles()) { e in
            XCTAssertEqual((e as? CheckpointError)?.code, .unsupportedDType)
        }
    }

    func testNPYVariantsMatchNumPyStatistics() throws {
        for row in try Fixtures.csv("rank/npy/expected_npy.csv") {
            let file = row["file"]!
            let npy = try NPYFile(path: Fixtures.path("rank/npy/" + file))
            let t = npy.tensor
            XCTAssertEqual(t.name, String(file.dropLast(4)))
            XCTAssertEqual(t.shape, [Int(row["rows"]!)!, Int(row["cols"]!)!], file)
            XCTAssertEqual(t.isFortranOrder, row["fortran_order"] == "true", file)
            XCTAssertEqual(t.isBigEndian, row["dtype"]!.hasPrefix(">"), file)
            let v = try t.readDoubles()
            XCTAssertEqual(v[0], Double(row["first"]!)!, file)
            XCTAssertEqual(v[v.count - 1], Double(row["last"]!)!, file)
            XCTAssertEqual(v[3 * 48 + 5], Double(row["elem_3_5"]!)!, "\(file): C-order element [3,5]")
            assertClose(v.reduce(0, +), Double(row["sum"]!)!, rtol: 1e-12, "\(file) sum")
            assertClose(v.reduce(0) { $0 + $1 * $1 }, Double(row["sum_sq"]!)!, rtol: 1e-12, "\(file) sum of squares")
        }
    }

    func testNPZMatchesSafetensorsValues() throws {
        let st = try Checkpoint.open(Fixtures.path("rank/f32_tuned.safetensors"))
        let stBase = try Checkpoint.open(Fixtures.path("rank/f32_base.safetensors"))
        let compressed = try Checkpoint.open(Fixtures.path("rank/npz/tuned_compressed.npz"))
        let plain = try Checkpoint.open(Fixtures.path("rank/npz/base.npz"))
        XCTAssertEqual(compressed.tensors.map(\.name), ["exact_rank3", "wide"])
        XCTAssertEqual(plain.tensors.map(\.name), ["exact_rank3", "wide"])
        for (npzName, stName) in [("exact_rank3", "layers.0.exact_rank3.weight"), ("wide", "layers.1.wide.weight")] {
            XCTAssertEqual(try compressed[npzName]!.readDoubles(), try st[stName]!.readDoubles(), npzName)
            XCTAssertEqual(try plain[npzName]!.readDoubles(), try stBase[stName]!.readDoubles(), npzName)
        }
    }

    func testShardedIndexEqualsSingleFile() throws {
        let single = try Checkpoint.open(Fixtures.path("rank/f32_tuned.safetensors"))
        for path in ["rank/sharded", "rank/sharded/model.safetensors.index.json"] {
            let sharded = try Checkpoint.open(Fixtures.path(path))
            XCTAssertEqual(sharded.tensors.map(\.name), single.tensors.map(\.name), path)
            XCTAssertEqual(sharded.files.count, 3, "index + 2 shards")
            for t in sharded.tensors where t.dtype.isReadableReal {
                XCTAssertEqual(try t.readDoubles(), try single[t.name]!.readDoubles(), "\(path): \(t.name)")
            }
        }
    }

    func testIndexNamingAnAbsentTensorFails() throws {
        let dir = try Fixtures.temporaryDirectory("index")
        try FileManager.default.copyItem(atPath: Fixtures.path("rank/sharded/model-00002-of-00002.safetensors"),
                                         toPath: dir + "/shard.safetensors")
        try #"{"metadata": {}, "weight_map": {"ghost.weight": "shard.safetensors"}}"#
            .write(toFile: dir + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Checkpoint.open(dir)) { e in
            let error = e as? CheckpointError
            XCTAssertEqual(error?.code, .missingTensor)
            XCTAssertEqual(error?.tensor, "ghost.weight")
        }
        try #"{"weight_map": ["x"]}"#.write(toFile: dir + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Checkpoint.open(dir)) { e in XCTAssertEqual((e as? CheckpointError)?.code, .invalidIndex) }
    }

    func testMultiIndexOfNonFiniteElement() throws {
        let c = try Checkpoint.open(Fixtures.path("malformed/nan_tensor.safetensors"))
        XCTAssertEqual(c["w"]?.multiIndex(2), [1, 0])
    }
}
