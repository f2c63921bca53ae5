// SpectraOfTwoCheckpoints: how low-rank is a fine-tuning update?
//
// For every weight matrix present in both checkpoints, ΔW = W_tuned − W_base is
// formed in Float64 and its singular values σ₁ ≥ … ≥ σₖ computed (LAPACK dgesdd).
// Two summaries of the spectrum are printed:
//   stable rank      Σσ² / σ₁²            (a real number in [1, min(m, n)])
//   energy rank 90   smallest k with Σ_{i≤k} σᵢ² ≥ 0.9·Σσ²
//
// Usage (from the repository root):
//   swift run SpectraOfTwoCheckpoints [BASE TUNED [EXPECTED_CSV VARIANT]]
// BASE and TUNED are any layout `Checkpoint.open` reads (safetensors file, sharded
// index, folder, .npy, .npz). By default they are the BF16 rank fixtures, whose energy
// ranks NumPy computed independently into Tests/Fixtures/rank/expected_summary.csv.
import Foundation
import IntrinsicDim

/// Prints one line to stderr and exits 1: an example that fails says why.
func fail(_ message: String) -> Never {
    fflush(nil)  // stdout first, so the reason comes last
    FileHandle.standardError.write(Data("SpectraOfTwoCheckpoints: \(message)\n".utf8))
    exit(1)
}

let args = CommandLine.arguments
let fixtures = "Tests/Fixtures/rank"
let basePath = args.count > 2 ? args[1] : "\(fixtures)/bf16_base.safetensors"
let tunedPath = args.count > 2 ? args[2] : "\(fixtures)/bf16_tuned.safetensors"
let expected: (csv: String, variant: String)? =
    args.count > 4 ? (args[3], args[4]) : args.count > 2 ? nil : ("\(fixtures)/expected_summary.csv", "bf16")

do {
    // Opening reads headers only; tensors are memory-mapped and decoded on demand.
    let base = try Checkpoint.open(basePath)
    let tuned = try Checkpoint.open(tunedPath)
    // Pair tensors by name. ≥2-D tensors are matrices (conv kernels: out × (in·kh·kw));
    // 1-D tensors, integer tensors and one-sided names are set aside.
    let pairing = try TensorPairing(base: base, tuned: tuned)
    let result = try RankAnalyzer.run(pairing, options: RankAnalysisOptions(jobs: 2))

    print("tensor".padding(toLength: 32, withPad: " ", startingAt: 0), "shape     stable_rank  energy_rank_90")
    for t in result.matrices {
        let m = t.metrics
        let shape = "\(t.rows)×\(t.cols)".padding(toLength: 9, withPad: " ", startingAt: 0)
        print(t.tensor.padding(toLength: 32, withPad: " ", startingAt: 0), shape,
              String(format: "%11.4f  %14d", m.stableRank, m.energyRank90))
        // A zero update has every metric 0; otherwise 1 ≤ stable rank ≤ min(m, n).
        let k = Double(min(t.rows, t.cols))
        if m.spectralNorm == 0 {
            if m.stableRank != 0 || m.energyRank90 != 0 { fail("\(t.tensor): zero update with non-zero ranks") }
        } else if !(m.stableRank >= 1 - 1e-12 && m.stableRank <= k + 1e-12) {
            fail("\(t.tensor): stable rank \(m.stableRank) outside [1, \(Int(k))]")
        }
    }
    print("(\(result.vectors.count) vectors and \(result.skipped.count) skipped tensors not shown)")

    // Compare with NumPy's energy ranks, column by column, when a reference is given.
    if let (csvPath, variant) = expected {
        let lines = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }.filter { $0["variant"] == variant }
        if rows.count != result.matrices.count { fail("\(rows.count) \(variant) rows in \(csvPath), \(result.matrices.count) matrices analysed") }
        for row in rows {
            guard let t = result.matrices.first(where: { $0.tensor == row["tensor"] }) else { fail("\(row["tensor"]!) not analysed") }
            let ours = [t.metrics.energyRank50, t.metrics.energyRank90, t.metrics.energyRank95, t.metrics.energyRank99]
            let numpy = ["energy_rank_50", "energy_rank_90", "energy_rank_95", "energy_rank_99"].map { Int(row[$0]!)! }
            if ours != numpy { fail("\(t.tensor): energy ranks \(ours), NumPy's \(numpy)") }
        }
        print("energy ranks 50/90/95/99 of \(rows.count) matrices equal NumPy's (\(csvPath), \(variant))")
    }
} catch {
    fail("\(error)")
}
