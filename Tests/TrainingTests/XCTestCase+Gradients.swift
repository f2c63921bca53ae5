import Models
import Projections
import Training
import XCTest

/// Losses and gradients on random batches, shared by the finite-difference tests.
extension XCTestCase {
    /// A batch of `n` random inputs in [0, 1) and labels, from a Philox stream.
    func batch(_ n: Int, features: Int, classes: Int, seed: UInt64) -> ([Float], [Int32]) {
        let s = RandomStream(seed: seed, id: 99)
        let x = (0..<(n * features)).map { Float(s.uniform($0)) }
        let y = (0..<n).map { Int32(RandomStream.integer(word: s.word(n * features + $0), below: classes)) }
        return (x, y)
    }

    /// Mean cross-entropy in Float64 accumulation, and the analytic gradient.
    func lossAndGradient(_ model: any Model, _ theta: [Float], _ x: [Float], _ y: [Int32]) -> (Double, [Float]) {
        let n = y.count
        let ws = model.makeWorkspace(batchCapacity: n)
        var g = [Float](repeating: 0, count: theta.count)
        let r = theta.withUnsafeBufferPointer { t in x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            g.withUnsafeMutableBufferPointer {
                model.evaluate(parameters: t.baseAddress!, inputs: xp.baseAddress!, labels: yp.baseAddress!, count: n,
                               gradient: $0.baseAddress!, workspace: ws)
            } } } }
        return (r.lossSum / Double(n), g)
    }

    func loss(_ model: any Model, _ theta: [Float], _ x: [Float], _ y: [Int32]) -> Double {
        let ws = model.makeWorkspace(batchCapacity: y.count)
        let r = theta.withUnsafeBufferPointer { t in x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            model.evaluate(parameters: t.baseAddress!, inputs: xp.baseAddress!, labels: yp.baseAddress!, count: y.count,
                           gradient: nil, workspace: ws) } } }
        return r.lossSum / Double(y.count)
    }
}
