import Foundation
import Projections
import XCTest
import _TestSupport

final class PerTensorTests: XCTestCase {
    /// Tensor 2's block of a per-tensor dense projection is NumPy's group-2
    /// reference (D₂ = 64, d = 5, seed 3), independent of the other tensors.
    func testBlockIsTheGroupStreamOfItsTensor() throws {
        let p = try XCTUnwrap(ProjectionDescriptor(kind: .dense, fullDimension: 10 + 3 + 64, subspaceDimension: 5, seed: 3,
                                                   tensorSizes: [10, 3, 64]).make() as? PerTensorProjection)
        XCTAssertEqual(p.offsets, [0, 10, 13])
        let reference = try Fixtures.npyDoubles("projections/dense_g2_P.npy")  // 64×5 row-major
        for j in 0..<5 {
            var e = [Double](repeating: 0, count: 5)
            e[j] = 1
            let col: [Double] = p.apply(e)
            for i in 0..<64 { assertClose(col[13 + i], reference[i * 5 + j], rtol: 1e-13, atol: 1e-15, "P₂[\(i),\(j)]") }
            // Per-tensor normalisation: unit norm over each tensor's rows, d > D₁ allowed.
            for (start, size) in [(0, 10), (10, 3), (13, 64)] {
                let norm = col[start..<(start + size)].reduce(0) { $0 + $1 * $1 }.squareRoot()
                assertClose(norm, 1, rtol: 1e-12, "column \(j) over tensor at \(start)")
            }
        }
    }

    func testAdjointForEveryKind() throws {
        for kind in ProjectionDescriptor.Kind.allCases {
            let p = try ProjectionDescriptor(kind: kind, fullDimension: 700 + 5 + 300, subspaceDimension: 20, seed: 4,
                                             tensorSizes: [700, 5, 300]).make()
            let x = (0..<20).map { cos(Double($0)) }, y = (0..<1005).map { sin(Double($0) * 0.3) }
            let px: [Double] = p.apply(x), pty: [Double] = p.applyTranspose(y)
            assertClose(zip(px, y).reduce(0) { $0 + $1.0 * $1.1 }, zip(x, pty).reduce(0) { $0 + $1.0 * $1.1 }, rtol: 1e-10, "\(kind)")
        }
    }

    func testSizesMustSumToD() {
        XCTAssertThrowsError(try ProjectionDescriptor(kind: .dense, fullDimension: 100, subspaceDimension: 5, seed: 1,
                                                      tensorSizes: [50, 49]).validate())
    }

    /// SAID's pullback is the gradient of ⟨f(θ), g⟩: compared with central differences.
    func testSAIDPullbackByFiniteDifferences() throws {
        let desc = ProjectionDescriptor(kind: .fastfood, fullDimension: 300, subspaceDimension: 12, seed: 9, tensorSizes: [200, 100])
        let said = try SAIDMap(desc)
        XCTAssertEqual(said.subspaceDimension, 12)
        XCTAssertEqual(said.initialPoint, [Double](repeating: 0, count: 10) + [1, 1])
        var theta = (0..<12).map { Float(sin(Double($0) + 1)) }
        theta[10] = 0.7; theta[11] = -1.3
        let g = (0..<300).map { Float(cos(Double($0) * 0.1)) }
        func objective(_ t: [Float]) -> Double {
            var y = [Float](repeating: 0, count: 300)
            t.withUnsafeBufferPointer { pt in y.withUnsafeMutableBufferPointer { said.map(pt, into: $0) } }
            return zip(y, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var grad = [Float](repeating: 0, count: 12)
        g.withUnsafeBufferPointer { pg in theta.withUnsafeBufferPointer { pt in grad.withUnsafeMutableBufferPointer { said.pullback(pg, at: pt, into: $0) } } }
        for k in 0..<12 {
            var plus = theta, minus = theta
            plus[k] += 1e-2; minus[k] -= 1e-2
            let numeric = (objective(plus) - objective(minus)) / 2e-2
            XCTAssertEqual(Double(grad[k]), numeric, accuracy: 1e-3 * max(1, abs(numeric)), "∂/∂θ[\(k)]")
        }
        // At λ = 1 the map is the per-tensor projection of θ'.
        let start = said.initialPoint.map(Float.init)
        var withOnes = start
        for k in 0..<10 { withOnes[k] = theta[k] }
        var y = [Float](repeating: 0, count: 300)
        withOnes.withUnsafeBufferPointer { pt in y.withUnsafeMutableBufferPointer { said.map(pt, into: $0) } }
        let direct: [Float] = said.base.apply(Array(theta[0..<10]))
        XCTAssertEqual(y, direct)
    }
}
