import Training
import XCTest
import _TestSupport

/// The update rules against their closed forms (PyTorch's conventions).
final class OptimizerTests: XCTestCase {
    func testSGDMomentumMatchesTheRecurrence() {
        var opt = Optimizer(kind: .sgd, count: 1, learningRate: 0.1, momentum: 0.9)
        var x: [Float] = [1]
        // Constant gradient 2: v₁ = 2, v₂ = 3.8, v₃ = 5.42 → x = 1 − 0.1·(2 + 3.8 + 5.42).
        for _ in 0..<3 { x.withUnsafeMutableBufferPointer { p in [Float(2)].withUnsafeBufferPointer { opt.step(p, gradient: $0) } } }
        assertClose(Double(x[0]), 1 - 0.1 * (2 + 3.8 + 5.42), rtol: 1e-6)
    }

    func testAdamFirstStepsAndBiasCorrection() {
        // With a constant gradient g, m̂ = g and v̂ = g² at every step, so each
        // step moves by lr·g/(|g| + ε) ≈ lr·sign(g), whatever β₁, β₂.
        var opt = Optimizer(kind: .adam, count: 2, learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8)
        var x: [Float] = [0, 0]
        for _ in 0..<5 {
            x.withUnsafeMutableBufferPointer { p in [Float(0.5), Float(-3)].withUnsafeBufferPointer { opt.step(p, gradient: $0) } }
        }
        assertClose(Double(x[0]), -5e-3, rtol: 1e-5)
        assertClose(Double(x[1]), 5e-3, rtol: 1e-5)
        // Gradient 1 then 0: m̂₂ = 0.9·0.1/(1 − 0.81), v̂₂ = 0.99·0.01/(1 − 0.9801).
        var o2 = Optimizer(kind: .adam, count: 1, learningRate: 1, beta1: 0.9, beta2: 0.99, epsilon: 0)
        var y: [Float] = [0]
        for g in [Float(1), 0] { y.withUnsafeMutableBufferPointer { p in [g].withUnsafeBufferPointer { o2.step(p, gradient: $0) } } }
        let m2 = 0.9 * 0.1 / (1 - 0.81), v2 = 0.99 * 0.01 / (1 - 0.9801)
        assertClose(Double(y[0]), -1 - m2 / v2.squareRoot(), rtol: 1e-5)
    }

    func testOptionsValidationNamesTheOption() {
        var o = TrainingOptions()
        o.beta2 = 1
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".hasPrefix("--beta2:"), "\($0)") }
        o = TrainingOptions(); o.learningRate = .nan
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".hasPrefix("--lr:"), "\($0)") }
        o = TrainingOptions(); o.l2 = -1
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".hasPrefix("--l2:"), "\($0)") }
    }
}
