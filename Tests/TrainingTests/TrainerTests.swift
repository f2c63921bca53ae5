import Models
import CheckpointIO
import LinearAlgebra
import Projections
import Training
import XCTest
import _TestSupport

/// End-to-end learning on an MNIST subset (the bundled t10k files: the
/// first 8,000 images train, the last 2,000 test): a test that fails if
/// learning breaks, plus thread invariance and divergence handling.
final class TrainerTests: XCTestCase {
    static let data: (train: Dataset, test: Dataset) = {
        let dir = Fixtures.root + "/data/mnist/"
        let all = try! DatasetLoader.idx(images: dir + "t10k-images-idx3-ubyte.gz", labels: dir + "t10k-labels-idx1-ubyte.gz",
                                         name: "mnist-t10k", classCount: 10)
        return (all.prefix(8000), all.subset(Array(8000..<10000)))
    }()

    func trainer(_ model: any Model, epochs: Int, lr: Float = 1e-3, optimizer: OptimizerKind = .adam,
                 trainCount: Int = 8000, threads: Int = 2) throws -> Trainer {
        var o = TrainingOptions()
        o.epochs = epochs
        o.learningRate = lr
        o.optimizer = optimizer
        o.seed = 1
        return try Trainer(model: model, train: Self.data.train.prefix(trainCount), test: Self.data.test, options: o, threads: threads)
    }

    func testFullTrainingLearns() throws {
        let model = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10)
        let before = try trainer(model, epochs: 1).evaluate(parameters: model.initialParameters(seed: 1), on: Self.data.test)
        XCTAssertLessThan(before.accuracy, 0.2)
        let result = try trainer(model, epochs: 2).run(mode: .full)
        XCTAssertEqual(result.status, .ok)
        XCTAssertEqual(result.epochs.map(\.epoch), [1, 2])
        XCTAssertEqual(result.epochs.last?.step, 2 * 63)  // ⌈8000/128⌉ steps per epoch
        XCTAssertGreaterThan(result.finalTestAccuracy, 0.9)
        XCTAssertLessThan(result.epochs[1].trainLoss, result.epochs[0].trainLoss)
        // The reported accuracy is that of the returned weights.
        let again = try trainer(model, epochs: 1).evaluate(parameters: result.parameters, on: Self.data.test)
        XCTAssertEqual(again.accuracy, result.finalTestAccuracy)
    }

    func testSubspaceTrainingAtLargeDLearns() throws {
        // A narrower FC network (784-32-10, D = 25,450) keeps Fastfood at L = 2^15 in the debug build.
        let model = FCNetwork(inputFeatures: 784, hidden: [32], classes: 10)
        let p = try ProjectionDescriptor(kind: .fastfood, fullDimension: model.layout.count, subspaceDimension: 5000, seed: 2).make()
        let result = try trainer(model, epochs: 2, lr: 1e-2).run(mode: .subspace(p))
        XCTAssertEqual(result.status, .ok)
        XCTAssertEqual(result.subspaceParameters?.count, 5000)
        XCTAssertGreaterThan(result.finalTestAccuracy, 0.8)
        // θ_D is θ_D⁰ + P·θ_d exactly as the files describe it.
        let theta0 = model.initialParameters(seed: 1)
        let offset: [Float] = p.apply(result.subspaceParameters!)
        for i in stride(from: 0, to: theta0.count, by: 997) { XCTAssertEqual(result.parameters[i], theta0[i] + offset[i]) }
    }

    // Bit identity is sound here: 1 and 2 threads run the same floating-point operations
    // (GEMM in fixed row blocks, OpenBLAS held at one thread by the trainer), only on other threads.
    func testSameSeedGivesBitIdenticalWeightsFor1And2Threads() throws {
        for kind in [ModelKind.fc, .lenet] {
            let model = try kind.make(inputFeatures: 784, classes: 10)
            var weights: [[Float]] = []
            for threads in [1, 2] {
                let p = try ProjectionDescriptor(kind: .fastfood, fullDimension: model.layout.count, subspaceDimension: 500, seed: 3)
                    .make(threads: threads)
                weights.append(try trainer(model, epochs: 1, trainCount: 600, threads: threads).run(mode: .full).parameters)
                weights.append(try trainer(model, epochs: 1, trainCount: 600, threads: threads).run(mode: .subspace(p)).parameters)
            }
            XCTAssertTrue(weights[0] == weights[2], "\(kind) full: 1 vs 2 threads")
            XCTAssertTrue(weights[1] == weights[3], "\(kind) subspace: 1 vs 2 threads")
            XCTAssertFalse(weights[0] == weights[1])
        }
    }

    func testDivergenceStopsTheRun() throws {
        let model = FCNetwork(inputFeatures: 784, hidden: [200, 200], classes: 10)
        let result = try trainer(model, epochs: 3, lr: 1e4, optimizer: .sgd, trainCount: 2000).run(mode: .full)
        XCTAssertEqual(result.status, .diverged)
        XCTAssertNotNil(result.divergence)
        XCTAssertLessThan(result.epochs.count, 3)
    }

    func testDataThatDoesNotFitTheModelIsRejected() throws {
        let model = FCNetwork(inputFeatures: 64, hidden: [8], classes: 4)
        XCTAssertThrowsError(try Trainer(model: model, train: Self.data.train.prefix(10), test: Self.data.test, options: TrainingOptions())) {
            XCTAssertTrue("\($0)".hasPrefix("--dataset:"), "\($0)")
        }
        XCTAssertThrowsError(try ModelKind.lenet.make(inputFeatures: 64, classes: 10)) {
            XCTAssertTrue("\($0)".contains("28×28"), "\($0)")
        }
    }
}
