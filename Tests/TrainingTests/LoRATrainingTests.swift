import Models
import CheckpointIO
import LinearAlgebra
import Projections
import Training
import XCTest
import _TestSupport

/// LoRA training (``LoRAMap``): its chain rule by finite differences for dense
/// and convolution targets, the exact start at θ_D⁰, PEFT's initial
/// distributions, thread invariance, and learning from a Fashion-MNIST base.
final class LoRATrainingTests: XCTestCase {
    func testStartsAtTheBaseAndDrawsAAsPEFTDoes() throws {
        let model = LeNet5(classes: 10)
        let map = try LoRAMap(layout: model.layout, modules: ["conv1", "conv2", "fc1", "fc3"], rank: 4, alpha: 8, seed: 3)
        XCTAssertEqual(map.targets.map(\.tensor), ["conv1.weight", "conv2.weight", "fc1.weight", "fc3.weight"])
        XCTAssertEqual(map.trainableParameters, map.targets.reduce(0) { $0 + 4 * ($1.rows + $1.cols) })
        XCTAssertEqual(map.scaling, 2)
        let start = map.initialPoint.map(Float.init)
        var offset = [Float](repeating: 1, count: map.fullDimension)
        start.withUnsafeBufferPointer { s in offset.withUnsafeMutableBufferPointer { map.map(s, into: $0) } }
        XCTAssertTrue(offset.allSatisfy { $0 == 0 }, "B = 0: θ_D starts at exactly θ_D⁰")
        for t in map.targets {
            let a = start[t.loraOffset..<(t.loraOffset + 4 * t.cols)]
            let b = start[(t.loraOffset + 4 * t.cols)..<(t.loraOffset + 4 * (t.cols + t.rows))]
            XCTAssertTrue(b.allSatisfy { $0 == 0 }, "\(t.tensor): B starts at zero")
            let bound = 1 / Float(t.cols).squareRoot()  // kaiming_uniform_(a = √5): U(−1/√fan_in, 1/√fan_in)
            XCTAssertTrue(a.allSatisfy { abs($0) <= bound }, "\(t.tensor): |A| ≤ 1/√in")
            XCTAssertGreaterThan(a.map(abs).max()!, 0.9 * bound, "\(t.tensor): A fills its range")
        }
        let gaussian = try LoRAMap(layout: FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10).layout,
                                   modules: ["fc1"], rank: 8, alpha: 8, initialization: .gaussian, seed: 3)
        let a = gaussian.initialPoint.prefix(8 * 784)
        let std = (a.reduce(0) { $0 + $1 * $1 } / Double(a.count)).squareRoot()
        XCTAssertEqual(std, 1.0 / 8, accuracy: 0.004, "gaussian: std 1/r")
    }

    func testChainRuleByFiniteDifferencesForDenseAndConvTargets() throws {
        for (model, modules) in [(LeNet5(classes: 10) as any Model, ["conv1", "conv2", "fc2"]),
                                 (FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10) as any Model, ["fc1", "fc3"])] {
            let map = try LoRAMap(layout: model.layout, modules: modules, rank: 3, alpha: 6, useRSLoRA: true, seed: 4)
            let theta0 = model.initialParameters(seed: 3)
            let (x, y) = batch(6, features: 784, classes: 10, seed: 4)
            // A point with B ≠ 0, so both ∂A and ∂B are non-trivial; small, so that the loss's
            // ReLU and max-pool kinks stay farther than the step (0.1 and h = 1e-3 gave 1–3 % off).
            let s = RandomStream(seed: 13, id: 3)
            var point = map.initialPoint.map(Float.init)
            for k in point.indices { point[k] += Float(s.normal(k) * 0.02) }
            func full(_ p: [Float]) -> [Float] {
                var off = [Float](repeating: 0, count: map.fullDimension)
                p.withUnsafeBufferPointer { pp in off.withUnsafeMutableBufferPointer { map.map(pp, into: $0) } }
                return zip(theta0, off).map { $0 + $1 }
            }
            let (_, gD) = lossAndGradient(model, full(point), x, y)
            var g = [Float](repeating: 0, count: map.subspaceDimension)
            gD.withUnsafeBufferPointer { gp in point.withUnsafeBufferPointer { p in g.withUnsafeMutableBufferPointer { map.pullback(gp, at: p, into: $0) } } }
            // Per target and factor: the directional derivative along the gradient restricted to it.
            for t in map.targets {
                for (factor, range) in [("A", t.loraOffset..<(t.loraOffset + 3 * t.cols)),
                                        ("B", (t.loraOffset + 3 * t.cols)..<(t.loraOffset + 3 * (t.cols + t.rows)))] {
                    let norm = range.reduce(Float(0)) { $0 + g[$1] * g[$1] }.squareRoot()
                    XCTAssertGreaterThan(norm, 0, "\(model.kind) \(t.tensor) ∂\(factor)")
                    var plus = point, minus = point
                    let h: Float = 2e-4
                    for k in range { plus[k] += h * g[k] / norm; minus[k] -= h * g[k] / norm }
                    let numeric = (loss(model, full(plus), x, y) - loss(model, full(minus), x, y)) / (2 * Double(h))
                    assertClose(Double(norm), numeric, rtol: 1e-2, atol: 2e-4, "\(model.kind) \(t.tensor) ∂L/∂\(factor)")
                }
            }
        }
    }

    /// The pullback is the adjoint of the map's derivative: ⟨pullback(g), u⟩ = ⟨g, J·u⟩. The map is
    /// bilinear, so (f(θ + u) − f(θ − u))/2 = J·u exactly (the quadratic term cancels): no step size,
    /// no kinks.
    func testPullbackIsTheAdjointOfTheMapsDerivative() throws {
        let model = LeNet5(classes: 10)
        let map = try LoRAMap(layout: model.layout, modules: ["conv1", "conv2", "fc1", "fc2", "fc3"], rank: 4, alpha: 3, seed: 1)
        let (D, d) = (map.fullDimension, map.subspaceDimension)
        let s = RandomStream(seed: 21, id: 4)
        let theta = (0..<d).map { Float(s.normal($0) * 0.5) }
        let u = (0..<d).map { Float(s.normal(d + $0) * 0.5) }
        let g = (0..<D).map { Float(s.normal(2 * d + $0)) }
        func f(_ p: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: D)
            p.withUnsafeBufferPointer { pp in y.withUnsafeMutableBufferPointer { map.map(pp, into: $0) } }
            return y
        }
        let plus = f(zip(theta, u).map { $0 + $1 }), minus = f(zip(theta, u).map { $0 - $1 })
        let rhs = (0..<D).reduce(0.0) { $0 + Double(g[$1]) * (Double(plus[$1]) - Double(minus[$1])) / 2 }
        var pulled = [Float](repeating: 0, count: d)
        g.withUnsafeBufferPointer { gp in theta.withUnsafeBufferPointer { t in pulled.withUnsafeMutableBufferPointer { map.pullback(gp, at: t, into: $0) } } }
        let lhs = zip(pulled, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        assertClose(lhs, rhs, rtol: 1e-4, "⟨Jᵀg, u⟩ = ⟨g, J u⟩")
        // And J·u has the closed form s·(δB·A + B·δA) on each target (checked on fc3: 10 × 84).
        let t = map.targets.last!
        let r = 4, (m, n) = (t.rows, t.cols)
        let a = Array(theta[t.loraOffset..<(t.loraOffset + r * n)]), b = Array(theta[(t.loraOffset + r * n)..<(t.loraOffset + r * (n + m))])
        let da = Array(u[t.loraOffset..<(t.loraOffset + r * n)]), db = Array(u[(t.loraOffset + r * n)..<(t.loraOffset + r * (n + m))])
        for i in 0..<m {
            for j in 0..<n {
                var want = 0.0
                for k in 0..<r { want += Double(db[i * r + k]) * Double(a[k * n + j]) + Double(b[i * r + k]) * Double(da[k * n + j]) }
                want *= Double(map.scaling)
                let got = (Double(plus[t.offset + i * n + j]) - Double(minus[t.offset + i * n + j])) / 2
                XCTAssertEqual(got, want, accuracy: 1e-5, "fc3 J·u at (\(i), \(j))")
            }
        }
    }

    /// The factored gradient the layers hand to ``LoRAGradientConsumer`` (∂B = s·dyᵀ·(x·Aᵀ),
    /// ∂A = s·(dy·B)ᵀ·x, no dense ∂W) equals the pullback of the dense ∂W, for dense and conv targets.
    func testFactoredGradientEqualsThePullbackOfTheDenseGradient() throws {
        for (model, modules) in [(LeNet5(classes: 10) as any Model, ["conv1", "conv2", "fc1", "fc3"]),
                                 (FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10) as any Model, ["fc1", "fc2", "fc3"])] {
            let map = try LoRAMap(layout: model.layout, modules: modules, rank: 5, alpha: 7, seed: 2, threads: 2)
            let s = RandomStream(seed: 31, id: 5)
            let point = map.initialPoint.enumerated().map { Float($1 + s.normal($0) * 0.1) }
            var theta = model.initialParameters(seed: 8)
            theta.withUnsafeMutableBufferPointer { t in
                point.withUnsafeBufferPointer { p in map.merge(p.baseAddress!, base: Array(t).withUnsafeBufferPointer { $0.baseAddress! }, into: t.baseAddress!) }
            }
            let (x, y) = batch(7, features: 784, classes: 10, seed: 9)
            let (_, dense) = lossAndGradient(model, theta, x, y)
            var pulled = [Float](repeating: 0, count: map.subspaceDimension)
            dense.withUnsafeBufferPointer { g in point.withUnsafeBufferPointer { p in pulled.withUnsafeMutableBufferPointer { map.pullback(g, at: p, into: $0) } } }
            // The same evaluation with the consumer on the workspace.
            let consumer = LoRAGradientConsumer(map: map, threads: 2)
            let ws = model.makeWorkspace(batchCapacity: 7, threads: 2)
            ws.weightGradientConsumer = consumer
            var factored = [Float](repeating: .nan, count: map.subspaceDimension)
            var g = [Float](repeating: 0, count: theta.count)
            _ = theta.withUnsafeBufferPointer { t in x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                point.withUnsafeBufferPointer { p in factored.withUnsafeMutableBufferPointer { f in g.withUnsafeMutableBufferPointer { gp in
                    consumer.bind(theta: p.baseAddress!, gradient: f.baseAddress!)
                    return model.evaluate(parameters: t.baseAddress!, inputs: xp.baseAddress!, labels: yp.baseAddress!, count: 7,
                                          gradient: gp.baseAddress!, workspace: ws)
                } } } } } }
            let scale = pulled.map(abs).max()!
            let worst = zip(factored, pulled).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5 * scale, "\(model.kind): factored vs pulled-back dense gradient")
            XCTAssertTrue(factored.allSatisfy { $0.isFinite }, "\(model.kind): every factor's gradient written")
        }
    }

    func testBadTargetsAndRanksAreRejected() {
        let layout = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10).layout
        XCTAssertEqual(LoRAMap.weightModules(of: layout), ["fc1", "fc2", "fc3"])
        for (modules, rank, alpha, option) in [(["fc9"], 4, 4.0, "targets"), (["fc1", "fc1"], 4, 4.0, "targets"),
                                               (["fc3"], 11, 11.0, "rank"), (["fc1"], 0, 1.0, "rank"), (["fc1"], 2, 0.0, "alpha")] {
            XCTAssertThrowsError(try LoRAMap(layout: layout, modules: modules, rank: rank, alpha: alpha, seed: 0)) { e in
                guard case let TrainingError.invalidOption(o, _) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(o, option, "\(e)")
            }
        }
    }

    /// The base: FC trained one epoch on 8,000 Fashion-MNIST images (Debian's dataset-fashion-mnist),
    /// and its accuracy on the MNIST test subset.
    static let fashionBase: Result<(parameters: [Float], accuracyOnMNIST: Double), Error> = Result {
        let mnist = TrainerTests.data
        let model = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10)
        var o = TrainingOptions()
        o.epochs = 1
        o.seed = 2
        let (fashion, _) = try DatasetCatalog.load("fashion-mnist", dataDirectory: Fixtures.root + "/data", classCount: 10)
        let base = try Trainer(model: model, train: fashion.prefix(8000), test: mnist.test, options: o, threads: 2).run(mode: .full)
        let accuracy = try Trainer(model: model, train: mnist.train, test: mnist.test, options: o)
            .evaluate(parameters: base.parameters, on: mnist.test).accuracy
        return (base.parameters, accuracy)
    }

    // Bit identity is sound here: 1 and 2 threads run the same operations (fixed row blocks,
    // OpenBLAS at one thread), so it holds under every OpenBLAS kernel.
    func testBitIdenticalFor1And2ThreadsAndLearnsFromAFashionMNISTBase() throws {
        let mnist = TrainerTests.data
        let model = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10)
        let (base, baseOnMNIST) = try Self.fashionBase.get()
        var o = TrainingOptions()
        o.seed = 2
        o.epochs = 2
        o.learningRate = 3e-3
        var runs: [TrainingResult] = []
        for threads in [1, 2] {
            let map = try LoRAMap(layout: model.layout, modules: LoRAMap.weightModules(of: model.layout), rank: 8, alpha: 8,
                                  seed: 2, threads: threads)
            runs.append(try Trainer(model: model, train: mnist.train, test: mnist.test, options: o, threads: threads)
                .run(mode: .lora(map), initialParameters: base))
        }
        XCTAssertTrue(runs[0].parameters == runs[1].parameters && runs[0].subspaceParameters == runs[1].subspaceParameters,
                      "1 and 2 threads give bit-identical weights and factors")
        XCTAssertGreaterThan(runs[0].finalTestAccuracy, baseOnMNIST + 0.3,
                             "LoRA r = 8 on MNIST (\(runs[0].finalTestAccuracy)) beats the Fashion-MNIST base (\(baseOnMNIST))")
        // Biases and untargeted values stay at the base exactly.
        for e in model.layout.entries where e.isBias {
            XCTAssertEqual(Array(runs[0].parameters[e.offset..<(e.offset + e.count)]), Array(base[e.offset..<(e.offset + e.count)]), e.name)
        }
    }

    /// LoRA's premise on a small task: a large enough rank (64 on fc1 and fc2; fc3, 10 × 200, capped at
    /// its full rank 10) comes close to the full fine-tune from the same base.
    func testRank64ComesCloseToTheFullFineTune() throws {
        let mnist = TrainerTests.data
        let model = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10)
        let (base, baseOnMNIST) = try Self.fashionBase.get()
        var o = TrainingOptions()
        o.seed = 2
        o.epochs = 2
        let full = try Trainer(model: model, train: mnist.train, test: mnist.test, options: o, threads: 2)
            .run(mode: .full, initialParameters: base)
        o.learningRate = 3e-3
        let map = try LoRAMap(layout: model.layout, modules: ["fc1", "fc2", "fc3"], rank: 64, alpha: 64, capRank: true, seed: 2, threads: 2)
        XCTAssertEqual(map.targets.map(\.rank), [64, 64, 10])
        XCTAssertEqual(map.trainableParameters, 64 * (784 + 200) + 64 * (200 + 200) + 10 * (200 + 10))
        XCTAssertEqual(map.alpha(of: map.targets[2]), 10, "a capped target keeps s = 1")
        let lora = try Trainer(model: model, train: mnist.train, test: mnist.test, options: o, threads: 2)
            .run(mode: .lora(map), initialParameters: base)
        print("r = 64: full \(full.finalTestAccuracy), LoRA \(lora.finalTestAccuracy), base \(baseOnMNIST)")
        XCTAssertGreaterThan(full.finalTestAccuracy, baseOnMNIST + 0.3)
        XCTAssertGreaterThan(lora.finalTestAccuracy, full.finalTestAccuracy - 0.02,
                             "LoRA r = 64 (\(lora.finalTestAccuracy)) within 2 points of the full fine-tune (\(full.finalTestAccuracy))")
    }
}
