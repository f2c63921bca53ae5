import CheckpointIO
import LinearAlgebra
import RankAnalysis
import XCTest
import _TestSupport

final class UpdateLayoutTests: XCTestCase {
    /// Column-major ΔW is the transpose of the row-major one, element for element.
    func testColumnMajorUpdateIsTheTranspose() throws {
        let base = try Checkpoint.open(Fixtures.path("rank/f32_base.safetensors"))
        let tuned = try Checkpoint.open(Fixtures.path("rank/f32_tuned.safetensors"))
        for pair in try TensorPairing(base: base, tuned: tuned).matrices {
            let (m, n) = (pair.rows, pair.cols)
            var rowMajor = [Double](repeating: .nan, count: m * n)
            var colMajor = [Double](repeating: .nan, count: m * n)
            _ = try rowMajor.withUnsafeMutableBufferPointer { try pair.computeUpdate(into: $0, order: .rowMajor) }
            _ = try colMajor.withUnsafeMutableBufferPointer { try pair.computeUpdate(into: $0, order: .columnMajor) }
            for i in 0..<m {
                for j in 0..<n { XCTAssertEqual(rowMajor[i * n + j], colMajor[i + j * m], "\(pair.name)[\(i),\(j)]") }
            }
        }
    }
}
