import ArgumentParser
import IntrinsicDim

/// `--method`, `--oversampling`, `--power-iterations`, `--sketch-seed` and `--randomized-precision`: how the top
/// K singular values of each ΔW are computed, shared by `rank`, `extract-lora` and `compare`.
struct SpectrumArguments: ParsableArguments {
    @Option(help: ArgumentHelp(
        "exact (LAPACK), randomized (Halko–Martinsson–Tropp, top K only) or auto: randomized for a matrix when K + oversampling ≤ min(rows, cols)/4, else exact. Default: auto for rank, exact for extract-lora and compare.",
        valueName: "method"))
    var method: SpectrumMethod?

    @Option(help: ArgumentHelp("Randomized SVD: sketch columns beyond K (p).", valueName: "p"))
    var oversampling: Int = 10

    @Option(name: .customLong("power-iterations"),
            help: ArgumentHelp("Randomized SVD: power iterations q, each re-orthonormalised by QR.", valueName: "q"))
    var powerIterations: Int = 2

    @Option(name: .customLong("sketch-seed"), help: ArgumentHelp("Randomized SVD: seed of the Gaussian sketch.", valueName: "n"))
    var sketchSeed: UInt64 = 0

    @Option(name: .customLong("randomized-precision"), help: ArgumentHelp(
        "Randomized SVD: float64, or float32 (about half the time and memory, as torch.svd_lowrank on float32 tensors; σ̂ move by ~1e-6 relative). ΔW is decoded and subtracted in float64, then rounded, and ‖ΔW‖²_F summed in float64 either way; the exact method is always float64.",
        valueName: "precision"))
    var randomizedPrecision: RandomizedPrecision = .float64

    var sketch: SketchOptions {
        SketchOptions(oversampling: oversampling, powerIterations: powerIterations, seed: sketchSeed, precision: randomizedPrecision)
    }

    /// The options as provenance entries.
    func provenance(default fallback: SpectrumMethod) -> [String: String] {
        ["method": (method ?? fallback).rawValue, "oversampling": String(oversampling), "power_iterations": String(powerIterations),
         "sketch_seed": String(sketchSeed), "randomized_precision": randomizedPrecision.rawValue]
    }

    func validate() throws {
        guard oversampling >= 0 else { throw ValidationError("--oversampling must be ≥ 0, got \(oversampling)") }
        guard powerIterations >= 0 else { throw ValidationError("--power-iterations must be ≥ 0, got \(powerIterations)") }
    }
}

extension SpectrumMethod: ExpressibleByArgument {}
extension RandomizedPrecision: ExpressibleByArgument {}
