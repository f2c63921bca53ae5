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
        subcommands: [WHT.self])

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
                t = Benchmark.time(repeat: `repeat`) { WalshHadamard.transform(&x, using: impl) }
            case .f64:
                var x = (0..<n).map { Double(($0 % 7) - 3) * 1e-3 }
                t = Benchmark.time(repeat: `repeat`) { WalshHadamard.transform(&x, using: impl) }
            }
            Benchmark.emit(["kernel": "wht", "implementation": implementation, "precision": precision.rawValue,
                            "length": n, "best_seconds": t.best, "median_seconds": t.median,
                            "ns_per_element_best": t.best / Double(n) * 1e9])
        }
    }
}
