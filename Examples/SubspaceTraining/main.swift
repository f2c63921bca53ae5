// SubspaceTraining: train the MNIST FC network in a random d-dimensional subspace.
//
// Li et al. (2018) train θ_D = θ_D⁰ + P·θ_d: the D = 199,210 weights of the
// 784-200-200-10 network move only inside the span of a fixed random D × d
// projection P, and only the d coordinates θ_d (starting at 0) are learned.
// P here is Fastfood (H·G·Π·H·B, never materialised). The smallest d reaching
// 90 % of the full model's accuracy is the intrinsic dimension d_int90.
//
// Usage (from the repository root):
//   swift run SubspaceTraining [DATASET [D_SUB [EPOCHS]]]
// DATASET is `mnist` (data/mnist/) or an .npz with x, y (and x_test, y_test);
// the default is the 600 + 200 MNIST examples of the training fixtures.
import Foundation
import IntrinsicDim

/// Prints one line to stderr and exits 1: an example that fails says why.
func fail(_ message: String) -> Never {
    fflush(nil)  // stdout first, so the reason comes last
    FileHandle.standardError.write(Data("SubspaceTraining: \(message)\n".utf8))
    exit(1)
}

let args = CommandLine.arguments
let dataset = args.count > 1 ? args[1] : "Tests/Fixtures/training/datasets/mnist_subset.npz"
let d = args.count > 2 ? Int(args[2]) ?? 0 : 1000
let epochs = args.count > 3 ? Int(args[3]) ?? 0 : 8

do {
    // Inputs are pixels / 255, flattened row-major: count × 784 Float32.
    let (train, test) = try DatasetCatalog.load(dataset, dataDirectory: "data", classCount: 10)
    let model = FCNetwork(inputFeatures: train.features, hidden: [200, 200], classes: 10)
    let D = model.layout.count

    // P is fully determined by its descriptor (kind, D, d, seed, WHT kernel): recording
    // it is enough to rebuild P bit for bit. FFTW's Walsh–Hadamard transform is used
    // because this runs as a debug build; in release the native kernel is the faster one.
    let projection = try ProjectionDescriptor(kind: .fastfood, fullDimension: D, subspaceDimension: d, seed: 0, wht: .fftw)
        .make(threads: 2)

    var options = TrainingOptions()      // Adam, β₂ = 0.99, L2 1e-5 (Li et al.)
    options.epochs = epochs
    options.batchSize = 32
    options.learningRate = 1e-2          // a small subspace tolerates a larger step
    let trainer = try Trainer(model: model, train: train, test: test, options: options, threads: 2)

    let start = Date()
    let run = try trainer.run(mode: .subspace(projection)) { epoch in
        if epoch.epoch % 2 == 0 {
            print(String(format: "epoch %2d  step %4d  train loss %.3f  test accuracy %.3f",
                         epoch.epoch, epoch.step, epoch.trainLoss, epoch.testAccuracy))
        }
    }
    let seconds = Date().timeIntervalSince(start)
    if run.status != .ok { fail("training diverged: \(run.divergence ?? "")") }
    print("trained d = \(run.subspaceParameters!.count) of D = \(D) parameters (\(String(format: "%.2f", 100 * Double(d) / Double(D))) %)",
          "on \(train.count) examples, \(run.epochs.last!.step) steps in \(String(format: "%.1f", seconds)) s")
    print(String(format: "final test accuracy %.3f on %d examples (chance: 0.100)", run.finalTestAccuracy, test.count))

    // ~150 steps in 1,000 dimensions must beat chance (10 classes) by a wide margin.
    if run.finalTestAccuracy < 0.5 { fail("test accuracy \(run.finalTestAccuracy) is not above chance by 0.4") }
} catch {
    fail("\(error)")
}
