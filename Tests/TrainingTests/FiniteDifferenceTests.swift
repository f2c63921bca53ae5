import Models
import Projections
import Training
import XCTest
import _TestSupport

/// Gradients against central finite differences of the loss itself, for
/// every layer type (dense, ReLU, convolution, max-pool, flatten, softmax
/// cross-entropy) and for the subspace chain rule ∇θ_d = J_fᵀ·∇θ_D.
final class FiniteDifferenceTests: XCTestCase {
    /// For each tensor: the directional derivative along v = g/‖g‖, the
    /// analytic gradient restricted to that tensor and normalised, by
    /// central differences (L(θ+hv) − L(θ−hv))/2h, against ⟨∇L, v⟩ = ‖g‖.
    /// The loss is piecewise smooth (ReLU, max-pool), so h is small (‖hv‖ =
    /// h = 3e-4) to cross few kinks; Float32 rounding then limits agreement
    /// to about 1e-3 absolute.
    func checkDirectional(_ model: any Model, features: Int, h: Float, rtol: Double) {
        var theta = model.initialParameters(seed: 5)
        let s = RandomStream(seed: 6, id: 1)
        for e in model.layout.entries where e.isBias {  // non-zero biases so their paths matter
            for k in 0..<e.count { theta[e.offset + k] = Float(s.normal(e.offset + k) * 0.1) }
        }
        let (x, y) = batch(6, features: features, classes: model.classCount, seed: 7)
        let (_, g) = lossAndGradient(model, theta, x, y)
        for (t, e) in model.layout.entries.enumerated() {
            var plus = theta, minus = theta
            var analytic = 0.0
            let norm = (0..<e.count).reduce(Float(0)) { $0 + g[e.offset + $1] * g[e.offset + $1] }.squareRoot()
            XCTAssertGreaterThan(norm, 0, "\(model.kind) ∂L/∂\(e.name) is zero")
            for k in 0..<e.count {
                let v = g[e.offset + k] / norm
                plus[e.offset + k] += h * v
                minus[e.offset + k] -= h * v
                analytic += Double(g[e.offset + k]) * Double(v)
            }
            let numeric = (loss(model, plus, x, y) - loss(model, minus, x, y)) / (2 * Double(h))
            assertClose(analytic, numeric, rtol: rtol, atol: 1e-3, "\(model.kind) ∂L/∂\(e.name) along its own direction")
        }
    }

    func testEveryParameterOfASmallFCNetwork() {
        // Per coordinate on a network small enough to check all of them.
        let model = FCNetwork(inputFeatures: 5, hidden: [4, 3], classes: 3)
        var theta = model.initialParameters(seed: 1)
        for e in model.layout.entries where e.isBias { for k in 0..<e.count { theta[e.offset + k] = 0.05 * Float(k + 1) } }
        let (x, y) = batch(4, features: 5, classes: 3, seed: 2)
        let (_, g) = lossAndGradient(model, theta, x, y)
        let h: Float = 1e-3
        for i in 0..<theta.count {
            var p = theta, m = theta
            p[i] += h; m[i] -= h
            let numeric = (loss(model, p, x, y) - loss(model, m, x, y)) / (2 * Double(h))
            assertClose(Double(g[i]), numeric, rtol: 1e-2, atol: 2e-4, "small FC ∂L/∂θ[\(i)]")
        }
    }

    func testFCLayersAlongTheirGradients() {
        checkDirectional(FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10), features: 784, h: 3e-4, rtol: 2e-2)
    }

    func testLeNetLayersAlongTheirGradients() {
        checkDirectional(LeNet5(), features: 784, h: 3e-4, rtol: 2e-2)
    }

    /// d/dt L(θ⁰ + f(θ_d + t·u)) at t = 0 against ⟨J_fᵀ∇θ_D L, u⟩ for a linear P
    /// (Fastfood) and for SAID (bilinear: the pullback depends on θ_d).
    func testSubspaceChainRule() throws {
        let model = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10)
        let D = model.layout.count
        let theta0 = model.initialParameters(seed: 3)
        let (x, y) = batch(6, features: 784, classes: 10, seed: 4)
        let fastfood = try ProjectionDescriptor(kind: .fastfood, fullDimension: D, subspaceDimension: 300, seed: 11).make()
        let said = try SAIDMap(ProjectionDescriptor(kind: .sparse, fullDimension: D, subspaceDimension: 56, seed: 12,
                                                    tensorSizes: model.layout.tensorSizes))
        for (name, f) in [("fastfood", fastfood as any SubspaceMap), ("said", said as any SubspaceMap)] {
            let d = f.subspaceDimension
            let s = RandomStream(seed: 13, id: 2)
            var point = f.initialPoint.map(Float.init)
            for k in 0..<d { point[k] += Float(s.normal(k) * 0.3) }
            func full(_ p: [Float]) -> [Float] {
                var off = [Float](repeating: 0, count: D)
                p.withUnsafeBufferPointer { pp in off.withUnsafeMutableBufferPointer { f.map(pp, into: $0) } }
                return zip(theta0, off).map { $0 + $1 }
            }
            let (_, gD) = lossAndGradient(model, full(point), x, y)
            var gd = [Float](repeating: 0, count: d)
            gD.withUnsafeBufferPointer { g in point.withUnsafeBufferPointer { p in gd.withUnsafeMutableBufferPointer { f.pullback(g, at: p, into: $0) } } }
            var u = (0..<d).map { Float(s.normal(1000 + $0)) }
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / norm }
            let h: Float = 1e-3
            let plus = zip(point, u).map { $0 + h * $1 }, minus = zip(point, u).map { $0 - h * $1 }
            let numeric = (loss(model, full(plus), x, y) - loss(model, full(minus), x, y)) / (2 * Double(h))
            let analytic = zip(gd, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            assertClose(analytic, numeric, rtol: 1e-2, atol: 2e-4, "\(name) ⟨∇θ_d, u⟩")
        }
    }
}
