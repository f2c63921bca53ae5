import Foundation
import Models
import Projections
import XCTest
import _TestSupport
@testable import Training

/// Subspace (SAID) and LoRA training of an encoder, on the tiny committed encoder (2 layers,
/// hidden 32): the trained vector's gradient against central finite differences of the model's
/// own loss; LoRA's factored gradient (the layers' x and dy) against the pullback of the dense
/// ∂W; which tensors a step moves; PEFT's `target_modules` suffix rule.
final class EncoderSubspaceAndLoRATests: XCTestCase {
    private func tiny() throws -> EncoderCheckpoint { try EncoderCheckpoint.load(folder: Fixtures.path("encoder/tiny")) }

    /// 4 examples × 8 tokens, the last two padded, labels 0, 1, 2, 1.
    private func batch() -> EncoderBatch {
        let s = RandomStream(seed: 11, id: 3)
        let ids = (0..<32).map { Int32(4 + RandomStream.integer(word: s.word($0), below: 90)) }
        var mask = [Int32](repeating: 1, count: 32)
        for i in 5..<8 { mask[2 * 8 + i] = 0 }
        for i in 3..<8 { mask[3 * 8 + i] = 0 }
        let types = (0..<32).map { Int32($0 % 8 >= 4 ? 1 : 0) }
        return EncoderBatch(count: 4, length: 8, tokenIDs: ids, tokenTypes: types, attentionMask: mask, labels: [0, 1, 2, 1])
    }

    /// Mean cross-entropy of `state` at trained vector `values`, eval mode.
    private func loss(_ state: EncoderTrainingState, _ values: [Float], _ b: EncoderBatch) -> Double {
        state.setTrainableParameters(values)
        let ws = state.model.makeWorkspace(batchCapacity: b.count, lengthCapacity: b.length)
        let r = state.parameters.withUnsafeBufferPointer {
            state.model.evaluate(parameters: $0.baseAddress!, batch: b, dropout: nil, gradient: nil, workspace: ws)
        }
        return r.lossSum / Double(b.count)
    }

    /// Central differences (step `h`) at `point` for coordinates `indices`; returns max |fd − analytic| and max |analytic|.
    /// ∇θ of the batch's loss at `theta`, straight from the model (no map, no gradient consumer):
    /// the independent reference the subspace and LoRA gradients are checked against.
    private func denseGradient(_ model: BertClassifier, at theta: [Float], _ b: EncoderBatch) -> [Float] {
        var dense = [Float](repeating: 0, count: model.layout.count)
        let ws = model.makeWorkspace(batchCapacity: 4, lengthCapacity: 8)
        _ = theta.withUnsafeBufferPointer { t in
            dense.withUnsafeMutableBufferPointer { model.evaluate(parameters: t.baseAddress!, batch: b, dropout: nil, gradient: $0.baseAddress!, workspace: ws) }
        }
        return dense
    }

    private func finiteDifferences(_ state: EncoderTrainingState, at point: [Float], analytic: [Float], indices: [Int],
                                   h: Float, _ b: EncoderBatch) -> (error: Double, scale: Double) {
        var error = 0.0, scale = 0.0
        for j in indices {
            var plus = point, minus = point
            plus[j] += h
            minus[j] -= h
            let fd = (loss(state, plus, b) - loss(state, minus, b)) / Double(plus[j] - minus[j])
            error = max(error, abs(fd - Double(analytic[j])))
            scale = max(scale, abs(Double(analytic[j])))
        }
        return (error, scale)
    }

    func testSAIDGradientMatchesFiniteDifferences() throws {
        let cp = try tiny()
        let model = cp.model
        let spec = RunSpecification.Subspace(projection: .fastfood, d: 120, projectionSeed: 5, perTensor: true, said: true)
        let map = try XCTUnwrap(try spec.makeMap(for: model.layout, memoryBudget: 1 << 26, threads: 1) as? SAIDMap)
        XCTAssertEqual(map.tensorCount, model.layout.entries.count, "one λ per tensor")
        let state = EncoderTrainingState(model: model, mode: .subspace(map), initialParameters: cp.parameters,
                                         options: EncoderTrainingOptions(), batchCapacity: 4, lengthCapacity: 8)
        // A generic point: θ′ ≠ 0 (else ∇λ = 0) and λ away from 1.
        let s = RandomStream(seed: 2, id: 8)
        let dPrime = map.base.subspaceDimension
        var point = map.initialPoint.map(Float.init)
        for i in 0..<dPrime { point[i] = Float(0.2 * (s.uniform(i) - 0.5)) }
        for t in 0..<map.tensorCount { point[dPrime + t] = Float(0.5 + s.uniform(1000 + t)) }
        state.setTrainableParameters(point)
        let b = batch()
        _ = state.computeGradient(b, dropout: nil)
        let analytic = state.trainableGradient
        XCTAssertEqual(analytic.count, 120)
        let indices = [0, 1, 7, 30, 63, dPrime - 1] + [0, 3, 9, map.tensorCount - 1].map { dPrime + $0 }
        let (error, scale) = finiteDifferences(state, at: point, analytic: analytic, indices: indices, h: 1e-2, b)
        XCTAssertGreaterThan(scale, 1e-3, "a gradient worth checking")
        XCTAssertLessThan(error, 2e-2 * scale + 2e-4, "max |fd − analytic| \(error), max |analytic| \(scale)")
    }

    /// d = D: the subspace spans the whole space (P square), and the gradient with respect to θ_d
    /// is Pᵀ·∇θ. Two independent references: each checked coordinate j as the column P·e_j (the
    /// map's forward transform, not its transpose) dotted with the dense ∇θ of the model at the
    /// same θ = θ₀ + P·θ_d; and central finite differences of the loss along θ_d's coordinates.
    /// Both the global Fastfood map and the sparse projection (its own transpose kernel) are checked.
    func testSubspaceGradientAtFullDimensionEqualsProjectedDenseGradient() throws {
        let cp = try tiny()
        let model = cp.model
        let D = model.layout.count
        let b = batch()
        for kind in [ProjectionDescriptor.Kind.fastfood, .sparse] {
            let spec = RunSpecification.Subspace(projection: kind, d: D, projectionSeed: 9, perTensor: false, said: false)
            let map = try spec.makeMap(for: model.layout, memoryBudget: 1 << 28, threads: 1)
            XCTAssertEqual(map.fullDimension, D)
            XCTAssertEqual(map.subspaceDimension, D, "\(kind): d = D")
            let state = EncoderTrainingState(model: model, mode: .subspace(map), initialParameters: cp.parameters,
                                             options: EncoderTrainingOptions(), batchCapacity: 4, lengthCapacity: 8)
            let s = RandomStream(seed: 6, id: 8)
            let point = (0..<D).map { Float(0.02 * (s.uniform($0) - 0.5)) }  // θ ≠ θ₀, a generic point
            state.setTrainableParameters(point)
            _ = state.computeGradient(b, dropout: nil)
            let analytic = state.trainableGradient
            XCTAssertEqual(analytic.count, D)
            // θ as the map gives it, and the dense gradient there.
            var offset = [Float](repeating: 0, count: D)
            point.withUnsafeBufferPointer { p in offset.withUnsafeMutableBufferPointer { map.map(p, into: $0) } }
            let theta = zip(cp.parameters, offset).map { $0 + $1 }
            XCTAssertLessThan(zip(theta, state.parameters).map { Double(abs($0 - $1)) }.max()!, 1e-6, "\(kind): θ = θ₀ + P·θ_d")
            let dense = denseGradient(model, at: theta, b)
            // Coordinates spread over the vector (embeddings, both layers, the head) plus the largest ones.
            let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(6)
            let indices = Array(Set((0..<24).map { $0 * (D - 1) / 23 } + largest)).sorted()
            var column = [Float](repeating: 0, count: D), basis = [Float](repeating: 0, count: D)
            var error = 0.0, scale = 0.0
            for j in indices {
                basis[j] = 1
                basis.withUnsafeBufferPointer { e in column.withUnsafeMutableBufferPointer { map.map(e, into: $0) } }
                basis[j] = 0
                let expected = zip(column, dense).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                error = max(error, abs(expected - Double(analytic[j])))
                scale = max(scale, abs(expected))
            }
            XCTAssertGreaterThan(scale, 1e-3, "\(kind): a gradient worth checking")
            XCTAssertLessThan(error, 1e-4 * scale, "\(kind): (P·e_j)·∇θ vs ∇θ_d, max error \(error), max |Pᵀ∇θ| \(scale)")
            let fdIndices = Array(largest.prefix(4)) + [indices[3], indices[12], indices[20]]
            let (fdError, fdScale) = finiteDifferences(state, at: point, analytic: analytic, indices: fdIndices, h: 1e-2, b)
            XCTAssertGreaterThan(fdScale, 1e-3)
            XCTAssertLessThan(fdError, 2e-2 * fdScale + 2e-4, "\(kind): max |fd − analytic| \(fdError), max |analytic| \(fdScale)")
        }
    }

    func testLoRAGradientMatchesDensePullbackAndFiniteDifferences() throws {
        let cp = try tiny()
        let model = cp.model
        let map = try RunSpecification.LoRA(rank: 2, targets: ["query", "value"]).makeEncoderMap(for: model, seed: 1, threads: 1)
        XCTAssertEqual(map.targets.map(\.module), ["bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.0.attention.self.value",
                                                    "bert.encoder.layer.1.attention.self.query", "bert.encoder.layer.1.attention.self.value"])
        XCTAssertEqual(map.savedTensors.map(\.tensor), ["classifier.weight", "classifier.bias"])
        XCTAssertEqual(map.trainableParameters, 4 * 2 * (32 + 32) + 3 * 32 + 3)
        let state = EncoderTrainingState(model: model, mode: .lora(map), initialParameters: cp.parameters,
                                         options: EncoderTrainingOptions(), batchCapacity: 4, lengthCapacity: 8)
        let s = RandomStream(seed: 3, id: 8)
        let point = (0..<map.subspaceDimension).map { Float(0.3 * (s.uniform($0) - 0.5)) }  // B ≠ 0, so ∂A ≠ 0
        state.setTrainableParameters(point)
        let b = batch()
        _ = state.computeGradient(b, dropout: nil)
        let factored = state.trainableGradient
        // Independent path: the dense gradient at the merged θ (no consumer), pulled back by the map's GEMMs.
        let dense = denseGradient(model, at: state.parameters, b)
        var pulled = [Float](repeating: 0, count: map.subspaceDimension)
        dense.withUnsafeBufferPointer { g in point.withUnsafeBufferPointer { p in pulled.withUnsafeMutableBufferPointer { map.pullback(g, at: p, into: $0) } } }
        let scale = Double(pulled.map(abs).max()!)
        let diff = zip(factored, pulled).map { Double(abs($0 - $1)) }.max()!
        XCTAssertGreaterThan(scale, 1e-3)
        XCTAssertLessThan(diff, 1e-5 * scale, "factored vs dense pullback")
        let t0 = map.targets[0], t3 = map.targets[3], head = map.savedTensors[0]
        let indices = [t0.loraOffset, t0.loraOffset + 5, t0.loraOffset + 2 * 32 + 7, t3.loraOffset + 2 * 32 + 40,
                       head.loraOffset, head.loraOffset + 50, map.savedTensors[1].loraOffset + 2]
        let (error, fdScale) = finiteDifferences(state, at: point, analytic: factored, indices: indices, h: 1e-2, b)
        XCTAssertLessThan(error, 2e-2 * fdScale + 2e-4, "max |fd − analytic| \(error), max |analytic| \(fdScale)")
    }

    /// The frozen first layer's backward is cut to what the targets need (no input gradient, no
    /// dQ/dK/dV of a frozen weight there): with one of query, key, value targeted, or none of them,
    /// the factored gradient still equals the pullback of the full dense gradient.
    func testLoRAGradientWithPartialAttentionTargetsMatchesDensePullback() throws {
        let cp = try tiny()
        let model = cp.model
        for targets in [["value"], ["key"], ["query"], ["dense"]] {
            let map = try RunSpecification.LoRA(rank: 2, targets: targets).makeEncoderMap(for: model, seed: 1, threads: 1)
            let state = EncoderTrainingState(model: model, mode: .lora(map), initialParameters: cp.parameters,
                                             options: EncoderTrainingOptions(), batchCapacity: 4, lengthCapacity: 8)
            XCTAssertFalse(state.workspace.embeddingGradients, "\(targets): embeddings frozen")
            let s = RandomStream(seed: 4, id: 8)
            let point = (0..<map.subspaceDimension).map { Float(0.3 * (s.uniform($0) - 0.5)) }
            state.setTrainableParameters(point)
            let b = batch()
            _ = state.computeGradient(b, dropout: nil)
            let factored = state.trainableGradient
            let dense = denseGradient(model, at: state.parameters, b)
            var pulled = [Float](repeating: 0, count: map.subspaceDimension)
            dense.withUnsafeBufferPointer { g in point.withUnsafeBufferPointer { p in pulled.withUnsafeMutableBufferPointer { map.pullback(g, at: p, into: $0) } } }
            // The first layer's factors alone: the part the cut touches.
            let first = map.targets[0]
            XCTAssertTrue(first.module.hasPrefix("bert.encoder.layer.0."), first.module)
            let range = first.loraOffset..<(first.loraOffset + first.rank * (first.rows + first.cols))
            let scale = Double(pulled[range].map(abs).max()!)
            let diff = zip(factored, pulled).map { Double(abs($0 - $1)) }.max()!
            XCTAssertGreaterThan(scale, 1e-4, "\(targets): layer 0's factors have a gradient worth checking")
            XCTAssertLessThan(diff, 1e-5 * Double(pulled.map(abs).max()!), "\(targets): factored vs dense pullback")
        }
    }

    func testALoRAStepMovesOnlyTargetsAndTheClassifier() throws {
        let cp = try tiny()
        let model = cp.model
        let map = try RunSpecification.LoRA(rank: 2, targets: ["value"]).makeEncoderMap(for: model, seed: 1, threads: 1)
        let state = EncoderTrainingState(model: model, mode: .lora(map), initialParameters: cp.parameters,
                                         options: EncoderTrainingOptions(), batchCapacity: 4, lengthCapacity: 8)
        for k in 0..<2 { _ = state.step(batch(), dropout: DropoutStream(seed: 1, step: k), learningRate: 1e-2) }
        for e in model.layout.entries {
            let moved = zip(state.parameters[e.range], cp.parameters[e.range]).contains { $0 != $1 }
            let expected = e.name.hasSuffix("attention.self.value.weight") || e.name.hasPrefix("classifier.")
            XCTAssertEqual(moved, expected, e.name)
        }
    }

    func testPEFTTargetKeysSelectBySuffix() throws {
        let model = try tiny().model
        let dense = try LoRAMap.modules(matching: ["dense"], in: model.layout, excluding: ["classifier", "score"])
        XCTAssertEqual(dense.count, 2 * 3 + 1, "attention.output.dense, intermediate.dense, output.dense per layer, and the pooler")
        XCTAssertTrue(dense.contains("bert.pooler.dense"))
        XCTAssertEqual(try LoRAMap.modules(matching: ["layer.1.attention.self.query"], in: model.layout),
                       ["bert.encoder.layer.1.attention.self.query"])
        XCTAssertThrowsError(try LoRAMap.modules(matching: ["quary"], in: model.layout)) {
            XCTAssertTrue("\($0)".contains("quary") && "\($0)".contains("targets"), "\($0)")
        }
        XCTAssertThrowsError(try LoRAMap.modules(matching: ["classifier"], in: model.layout, excluding: ["classifier"]))
        XCTAssertThrowsError(try RunSpecification.LoRA(rank: 2, targets: ["word_embeddings"]).makeEncoderMap(for: model, seed: 0, threads: 1)) {
            XCTAssertTrue("\($0)".contains("embedding"), "\($0)")
        }
    }
}
