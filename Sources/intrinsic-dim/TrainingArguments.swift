import ArgumentParser
import Foundation
import IntrinsicDim

/// The options `train` and `sweep` share: data, model, optimiser, subspace
/// construction. Defaults are Li et al. (2018)'s MNIST settings.
struct TrainingArguments: ParsableArguments {
    @Option(help: ArgumentHelp("fc (784-200-200-10), lenet (LeNet-5), or a Hugging Face BERT folder (train and sweep).", valueName: "model"))
    var model: ModelArgument = .builtin(.fc)
    @Option(help: ArgumentHelp("mnist, fashion-mnist, or FILE.npz (arrays x, y; optional x_test, y_test).", valueName: "name"))
    var dataset: String = "mnist"
    @Option(help: ArgumentHelp("Directory holding mnist/ (and fashion-mnist/); default $INTRINSIC_DIM_DATA or ./data.", valueName: "dir"))
    var dataDir: String?
    @Option(help: "Number of classes (model outputs); labels must be below it.") var classes: Int = 10
    @Option(help: ArgumentHelp("Held-out test fraction of an .npz without x_test.", valueName: "f")) var testFraction: Double = 0.1

    @Option(help: ArgumentHelp("Passes over the training set (default 10; 3 for an encoder folder).", valueName: "n")) var epochs: Int?
    @Option(help: ArgumentHelp("Examples per step (default 128; 32 for an encoder folder).", valueName: "n")) var batchSize: Int?
    @Option(help: "adam or sgd (with momentum).") var optimizer: OptimizerKind = .adam
    @Option(name: .customLong("lr"), help: ArgumentHelp("Learning rate (default 1e-3; 1e-4 for an encoder folder).", valueName: "lr"))
    var learningRate: Float?
    @Option(help: "SGD momentum μ.") var momentum: Float = 0.9
    @Option(help: "Adam β₁.") var beta1: Float = 0.9
    @Option(help: ArgumentHelp("Adam β₂ (default 0.99, Li et al.; 0.999 for an encoder folder, torch's AdamW).", valueName: "b"))
    var beta2: Float?
    @Option(help: "Adam ε.") var epsilon: Float = 1e-8
    @Option(help: "λ of the L2 penalty (λ/2)·‖θ_D‖² on the full parameter vector.") var l2: Float = 1e-5

    @Option(help: "dense, sparse or fastfood.") var projection: ProjectionDescriptor.Kind = .fastfood
    @Option(help: ArgumentHelp("Seed of P (default: the run's --seed).", valueName: "n")) var projectionSeed: UInt64?
    @Flag(help: "One P per tensor, each normalised over its own rows.") var perTensor = false
    @Flag(help: "SAID (Aghajanyan et al. 2020): per-tensor P plus one trained scale per tensor, counted in d.") var said = false
    @Option(help: ArgumentHelp("Fastfood block length L' (a power of two ≥ d) to stack blocks.", valueName: "n")) var blockLength: Int?
    @Option(help: "Fastfood's Walsh–Hadamard kernel: native or fftw.") var wht: WalshHadamard.Implementation = .native
    @Option(help: ArgumentHelp("Most memory a dense/sparse P may hold (e.g. 1GB).", valueName: "size"))
    var memoryBudget: MemorySize = MemorySize(bytes: 1 << 30)
    @Option(name: .customLong("init"), help: ArgumentHelp("θ_D⁰ from this checkpoint (safetensors/npz; the model's tensor names and shapes).", valueName: "checkpoint"))
    var initCheckpoint: String?
    @Option(help: "Threads for BLAS and the WHT (results do not depend on it).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard classes >= 2 else { throw ValidationError("--classes must be at least 2, got \(classes)") }
        do { try options(seed: 0).validate() } catch { throw ValidationError("\(error)") }
    }

    var dataDirectory: String {
        dataDir ?? ProcessInfo.processInfo.environment["INTRINSIC_DIM_DATA"] ?? "data"
    }

    func options(seed: UInt64) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs ?? 10
        o.batchSize = batchSize ?? 128
        o.optimizer = optimizer
        o.learningRate = learningRate ?? 1e-3
        o.momentum = momentum
        o.beta1 = beta1
        o.beta2 = beta2 ?? 0.99
        o.epsilon = epsilon
        o.l2 = l2
        o.seed = seed
        return o
    }

    /// The subspace construction of these options (P's seed: the run's unless --projection-seed).
    var subspace: IntrinsicDim.Sweep.Subspace {
        IntrinsicDim.Sweep.Subspace(projection: projection, projectionSeed: projectionSeed, perTensor: perTensor, said: said,
                                    blockLength: blockLength, wht: wht)
    }

    /// The run with subspace dimension `d` (`nil`: full training) and `seed`.
    func specification(d: Int?, seed: UInt64) -> RunSpecification {
        RunSpecification(model: model.kind ?? .fc, dataset: dataset, classes: classes, testFraction: testFraction,
                         subspace: d.map { subspace.specification(d: $0, seed: seed) }, initCheckpoint: initCheckpoint,
                         options: options(seed: seed))
    }

    /// The session (data, model, θ_D⁰) of these options' runs.
    func session() throws -> TrainingSession {
        try TrainingSession(specification(d: nil, seed: 0), dataDirectory: dataDirectory, memoryBudget: memoryBudget.bytes, threads: threads)
    }
}

extension ModelKind: ExpressibleByArgument {}

/// `--model`: a built-in model kind, or any other value as a Hugging Face encoder folder.
enum ModelArgument: ExpressibleByArgument, Equatable {
    case builtin(ModelKind)
    case folder(String)

    init?(argument: String) {
        if let kind = ModelKind(rawValue: argument) { self = .builtin(kind) } else { self = .folder(argument) }
    }

    /// The built-in kind, or nil for a folder.
    var kind: ModelKind? { if case let .builtin(k) = self { return k } else { return nil } }
    /// The folder, or nil for a built-in kind.
    var folder: String? { if case let .folder(f) = self { return f } else { return nil } }
    var defaultValueDescription: String { kind?.rawValue ?? folder ?? "" }
}
extension OptimizerKind: ExpressibleByArgument {}
