import ArgumentParser
import Dispatch
import Foundation
import IntrinsicDim

extension Benchmark {
    /// `benchmark rsvd-accuracy`: the relative error of the randomized SVD's σ̂ᵢ against
    /// the exact SVD, for q = 0, 1, 2, on synthetic spectra and on the real MiniLM pair;
    /// prints the Markdown table of BENCHMARKS.md ("Randomized SVD").
    struct RandomizedSVDAccuracy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rsvd-accuracy",
            abstract: "Relative error of randomized σ̂ᵢ vs exact SVD for q = 0, 1, 2 (Markdown table).")

        @Option(help: "The MiniLM pair folder (scripts/fetch-finetune-pair.sh); skipped when absent.")
        var pair: String = "data/finetune-pair"
        @Option(name: .customLong("top-k"), help: "K.") var topK: Int = 32
        @Option(help: "p.") var oversampling: Int = 10
        @Option(help: "Rows of the synthetic matrices.") var rows: Int = 1024
        @Option(help: "Columns of the synthetic matrices.") var cols: Int = 768
        @Option(name: .customLong("sketch-seed"), help: "Seed of the sketches and of the synthetic factors.")
        var sketchSeed: UInt64 = 0

        /// U·diag(σ)·Vᵀ with U, V the Q factors of Gaussian matrices (Philox streams, group 0xFFFFF0/1).
        func synthetic(_ σ: [Double]) throws -> Matrix<Double> {
            var u = try QR.decompose(GaussianSketch.matrix(rows: rows, cols: σ.count, seed: sketchSeed, group: 0xFFFFF0)).q
            let v = try QR.decompose(GaussianSketch.matrix(rows: cols, cols: σ.count, seed: sketchSeed, group: 0xFFFFF1)).q
            let r = σ.count
            for i in 0..<rows { for j in 0..<r { u.storage[i * r + j] *= σ[j] } }
            return try GEMM.multiply(u, v, transposeB: true)
        }

        /// An i.i.d. Gaussian matrix scaled to spectral norm ≈ `scale` (bulk edge √m + √n):
        /// a Marchenko–Pastur spectrum, flat at the top like rounding noise or a noisy update.
        func noise(scale: Double) -> Matrix<Double> {
            var g = GaussianSketch.matrix(rows: rows, cols: cols, seed: sketchSeed, group: 0xFFFFF2)
            let f = scale / (Double(rows).squareRoot() + Double(cols).squareRoot())
            for i in 0..<g.storage.count { g.storage[i] *= f }
            return g
        }

        func run() throws {
            guard topK >= 10, 4 * (topK + oversampling) <= min(rows, cols) else {
                throw ValidationError("need 10 ≤ K and 4·(K + p) ≤ min(rows, cols)")
            }
            let k = min(rows, cols)
            var cases: [(name: String, matrices: [(String, Matrix<Double>)])] = [
                ("geometric σᵢ = 0.9^(i−1), \(rows)×\(cols)", [("geometric", try synthetic((0..<k).map { pow(0.9, Double($0)) }))]),
                ("slow decay σᵢ = 1/√i, \(rows)×\(cols)", [("slow", try synthetic((0..<k).map { 1 / Double($0 + 1).squareRoot() }))]),
                ("flat: i.i.d. Gaussian noise (Marchenko–Pastur), \(rows)×\(cols)", [("noise", noise(scale: 1))]),
                ("step: rank \(topK / 2) with σ = 1, plus noise of norm 0.1, \(rows)×\(cols)", [("step", try {
                    var a = try synthetic([Double](repeating: 1, count: topK / 2))
                    let e = noise(scale: 0.1)
                    for i in 0..<a.storage.count { a.storage[i] += e.storage[i] }
                    return a
                }())]),
            ]
            let basePath = (pair as NSString).appendingPathComponent("base/model.safetensors")
            if FileManager.default.fileExists(atPath: basePath) {
                let pairing = try TensorPairing(base: Checkpoint.open(basePath),
                                                tuned: Checkpoint.open((pair as NSString).appendingPathComponent("tuned/model.safetensors")))
                let usable = try pairing.matrices.filter { 4 * (topK + oversampling) <= min($0.rows, $0.cols) }
                    .map { ($0.name, try $0.update()) }
                cases.append(("MiniLM ΔW, worst of \(usable.count) matrices", usable))
            } else {
                FileHandle.standardError.write(Data("rsvd-accuracy: \(basePath) not found; MiniLM rows skipped\n".utf8))
            }
            let indices = [1, 10, topK / 2, topK]
            print("| spectrum | q | " + indices.map { "σ\($0)" }.joined(separator: " | ") + " | max over i ≤ K | randomized s | exact s |")
            print("|---|---|" + String(repeating: "---|", count: indices.count + 3))
            for c in cases {
                var exact: [[Double]] = []
                let t0 = DispatchTime.now().uptimeNanoseconds
                for (_, a) in c.matrices { exact.append(try SVD.singularValues(of: a)) }
                let exactSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                for q in 0...2 {
                    var worst = [Double](repeating: 0, count: indices.count)
                    var worstAll = 0.0
                    let t1 = DispatchTime.now().uptimeNanoseconds
                    for ((name, a), σ) in zip(c.matrices, exact) {
                        let l = topK + oversampling
                        let omega = GaussianSketch.matrix(rows: a.cols, cols: l, seed: sketchSeed,
                                                          group: GaussianSketch.group(forTensor: name))
                        let s = try SVD.randomized(a, sketch: omega, rank: topK, powerIterations: q, threads: 2).singularValues
                        for (j, i) in indices.enumerated() { worst[j] = max(worst[j], abs(s[i - 1] - σ[i - 1]) / σ[i - 1]) }
                        for i in 0..<topK { worstAll = max(worstAll, abs(s[i] - σ[i]) / σ[i]) }
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9
                    let cells = worst.map { String(format: "%.1e", $0) }.joined(separator: " | ")
                    print("| \(q == 0 ? c.name : "") | \(q) | \(cells) | \(String(format: "%.1e", worstAll)) | "
                          + "\(String(format: "%.2f", seconds)) | \(q == 0 ? String(format: "%.2f", exactSeconds) : "") |")
                }
            }
            print("\nK = \(topK), p = \(oversampling), sketch seed \(sketchSeed); relative error |σ̂ᵢ − σᵢ| / σᵢ against "
                  + "LAPACK dgesdd; randomized with 2 threads for the products.")
        }
    }
}
