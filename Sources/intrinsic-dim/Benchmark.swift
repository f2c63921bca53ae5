import ArgumentParser
import Dispatch
import Foundation
import IntrinsicDim

/// Kernel timings for `make bench` (hidden from help): each prints one JSON
/// object on stdout, so the Python harnesses can put our kernels side by
/// side with numpy, PyTorch and FFHT in one run.
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the numerical kernels (used by make bench).",
        shouldDisplay: false,
        subcommands: [WHT.self, Apply.self, TrainStep.self, EncoderStep.self, RandomizedSVDAccuracy.self])

    enum Precision: String, ExpressibleByArgument, CaseIterable { case f32, f64 }

    /// Best and median wall time of `repeat` calls of `body`, after one warm-up call.
    static func time(repeat count: Int, _ body: () -> Void) -> (best: Double, median: Double) {
        body()
        var samples: [Double] = []
        for _ in 0..<count {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        samples.sort()
        return (samples[0], samples[samples.count / 2])
    }

    static func emit(_ fields: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    struct WHT: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One in-place Walsh–Hadamard transform of length 2^k.")

        @Option(help: "log₂ of the length.") var log2Length: Int = 20
        @Option(help: "native or fftw.") var implementation: String = "native"
        @Option(help: "f32 or f64.") var precision: Precision = .f32
        @Option(help: "Timed repetitions.") var `repeat`: Int = 20
        @Option(help: "Threads of the native kernel.") var threads: Int = 1

        func validate() throws {
            guard (1...30).contains(log2Length) else { throw ValidationError("--log2-length must be in 1...30") }
            guard WalshHadamard.Implementation(rawValue: implementation) != nil else {
                throw ValidationError("--implementation must be native or fftw")
            }
            guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        }

        func run() throws {
            let impl = WalshHadamard.Implementation(rawValue: implementation)!
            let n = 1 << log2Length
            let t: (best: Double, median: Double)
            switch precision {
            case .f32:
                var x = (0..<n).map { Float(($0 % 7) - 3) * 1e-3 }
                t = Benchmark.time(repeat: `repeat`) { WalshHadamard.transform(&x, using: impl, threads: threads) }
            case .f64:
                var x = (0..<n).map { Double(($0 % 7) - 3) * 1e-3 }
                t = Benchmark.time(repeat: `repeat`) { WalshHadamard.transform(&x, using: impl, threads: threads) }
            }
            Benchmark.emit(["kernel": "wht", "implementation": implementation, "precision": precision.rawValue,
                            "length": n, "threads": threads, "best_seconds": t.best, "median_seconds": t.median,
                            "ns_per_element_best": t.best / Double(n) * 1e9])
        }
    }

    /// `benchmark fastfood|dense|sparse`: P·x and Pᵀ·y timed separately.
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "projection", abstract: "Time P·x and Pᵀ·y of one projection.", aliases: ["fastfood", "dense", "sparse"])

        @Option(help: "dense, sparse or fastfood (default: the alias used).") var kind: ProjectionDescriptor.Kind?
        @Option(help: "D.") var fullDim: Int = 1 << 20
        @Option(name: .customLong("d"), help: "d.") var d: Int = 1000
        @Option(help: "f32 or f64.") var precision: Precision = .f32
        @Option(help: "native or fftw.") var wht: WalshHadamard.Implementation = .native
        @Option(help: "Memory budget for dense/sparse P.") var memoryBudget: MemorySize = MemorySize(bytes: 256 << 20)
        @Option(help: "Timed repetitions.") var `repeat`: Int = 10

        func run() throws {
            let alias = CommandLine.arguments.first { ["fastfood", "dense", "sparse"].contains($0) }
            let k = kind ?? alias.flatMap(ProjectionDescriptor.Kind.init(rawValue:)) ?? .fastfood
            let desc = ProjectionDescriptor(kind: k, fullDimension: fullDim, subspaceDimension: d, seed: 1, wht: wht)
            do { try desc.validate() } catch { throw ValidationError("\(error)") }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let p = try desc.make(memoryBudget: memoryBudget.bytes)
            let setup = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            var forward: (best: Double, median: Double)
            var backward: (best: Double, median: Double)
            switch precision {
            case .f32:
                let x = [Float]((0..<d).map { Float($0 % 5) - 2 })
                var y = [Float](repeating: 0, count: fullDim)
                var out = [Float](repeating: 0, count: d)
                forward = Benchmark.time(repeat: `repeat`) {
                    x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { p.apply(px, into: $0) } }
                }
                backward = Benchmark.time(repeat: `repeat`) {
                    y.withUnsafeBufferPointer { py in out.withUnsafeMutableBufferPointer { p.applyTranspose(py, into: $0) } }
                }
            case .f64:
                let x = [Double]((0..<d).map { Double($0 % 5) - 2 })
                var y = [Double](repeating: 0, count: fullDim)
                var out = [Double](repeating: 0, count: d)
                forward = Benchmark.time(repeat: `repeat`) {
                    x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { p.apply(px, into: $0) } }
                }
                backward = Benchmark.time(repeat: `repeat`) {
                    y.withUnsafeBufferPointer { py in out.withUnsafeMutableBufferPointer { p.applyTranspose(py, into: $0) } }
                }
            }
            var fields: [String: Any] = [
                "kernel": k.rawValue, "full_dim": fullDim, "d": d, "precision": precision.rawValue,
                "setup_seconds": setup, "memory_budget": memoryBudget.bytes,
                "apply_best_seconds": forward.best, "apply_median_seconds": forward.median,
                "transpose_best_seconds": backward.best, "transpose_median_seconds": backward.median,
            ]
            if let ff = p as? FastfoodProjection {
                fields["length"] = ff.blockLength * ff.blockCount
                fields["wht"] = wht.rawValue
            }
            Benchmark.emit(fields)
        }
    }
}

