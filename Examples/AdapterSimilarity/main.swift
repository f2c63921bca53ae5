// AdapterSimilarity: do two LoRA adapters learn the same directions?
//
// For each module both adapters adapt, ΔW = s·B·A (out × in) is decomposed, and the
// LoRA paper's normalised subspace similarity (Hu et al. 2021, eq. 4)
//     φ(i, j) = ‖U_iᵀ V_j‖²_F / min(i, j)  ∈ [0, 1]
// compares the top-i singular directions of one adapter with the top-j of the other,
// on the output side ("left", U) and the input side ("right", V). 1 means the smaller
// subspace lies inside the larger; two random subspaces of ℝᵈ give about max(i, j)/d.
//
// Usage (from the repository root):
//   swift run AdapterSimilarity [BASE ADAPTER1 ADAPTER2]
// Adapters are PEFT folders (adapter_config.json + adapter_model.safetensors). The
// defaults are two PEFT-trained adapters (r = 8 and r = 2, query/value) of a tiny BERT.
import Foundation
import IntrinsicDim

/// Prints one line to stderr and exits 1: an example that fails says why.
func fail(_ message: String) -> Never {
    fflush(nil)  // stdout first, so the reason comes last
    FileHandle.standardError.write(Data("AdapterSimilarity: \(message)\n".utf8))
    exit(1)
}

let args = CommandLine.arguments
let peft = "Tests/Fixtures/peft/bert"
let (basePath, path1, path2) = args.count > 3 ? (args[1], args[2], args[3])
    : ("\(peft)/base", "\(peft)/lora_qv_r8", "\(peft)/lora_qv_r2")

/// Mean of a φ grid's elements.
func mean(_ m: Matrix<Double>) -> Double { m.storage.reduce(0, +) / Double(m.storage.count) }

do {
    let base = try Checkpoint.open(basePath)
    // bind(to:) finds each module's base weight (here `encoder.layer.0.attention.self.query.weight`)
    // and checks that the factors' shapes fit it.
    let first = try LoRAAdapter(path: path1).bind(to: base)
    let second = try LoRAAdapter(path: path2).bind(to: base)

    // No tuned checkpoint: only adapter-vs-adapter grids ("lora_lora2") and their
    // random baseline ("random": subspaces of the same sizes, seeded).
    let rows = try LoRAComparer.run(adapter: first, tuned: nil, second: second)
    print("module                               side   r1×r2  φ(1,1)  mean φ  random mean φ")
    for row in rows {
        for side in ["left", "right"] {
            guard let s = row.similarities.first(where: { $0.comparison == "lora_lora2" && $0.side == side }),
                  let r = row.similarities.first(where: { $0.comparison == "random" && $0.side == side }) else { continue }
            print(row.module.padding(toLength: 36, withPad: " ", startingAt: 0), side.padding(toLength: 5, withPad: " ", startingAt: 0),
                  "\(s.phi.rows)×\(s.phi.cols)".padding(toLength: 6, withPad: " ", startingAt: 0),
                  String(format: "%6.3f  %6.3f  %13.3f", s.phi[0, 0], mean(s.phi), mean(r.phi)))
            // φ is a normalised squared projection: every element lies in [0, 1].
            for grid in [s, r] where !grid.phi.storage.allSatisfy({ $0 >= -1e-12 && $0 <= 1 + 1e-12 }) {
                fail("\(row.module) \(side) \(grid.comparison): φ outside [0, 1]")
            }
        }
    }
    if !rows.contains(where: { !$0.similarities.isEmpty }) { fail("the adapters share no module") }

    // Sanity check of the measure: an adapter compared with itself spans the same
    // subspaces, so φ(i, j) = min(i, j)/min(i, j) = 1 everywhere, φ(1, 1) included.
    for row in try LoRAComparer.run(adapter: first, tuned: nil, second: first) {
        for s in row.similarities where s.comparison == "lora_lora2" {
            if abs(s.phi[0, 0] - 1) > 1e-9 || !s.phi.storage.allSatisfy({ abs($0 - 1) <= 1e-9 }) {
                fail("\(row.module) \(s.side): φ of the adapter with itself is not 1 (φ(1,1) = \(s.phi[0, 0]))")
            }
        }
    }
    print("φ ∈ [0, 1] for \(rows.count) modules; φ of \(path1) with itself is 1 everywhere")

    // The paper's own φ (eq. 4, Fig. 3) takes the right singular vectors of A alone, not of
    // s·B·A: phiBasis = .a (`compare --phi-basis a`), input side only. At i = r₁, j = r₂ both
    // bases span the adapters' row spaces of A, so φ(r₁, r₂) agrees; below r they may differ.
    var options = LoRAComparer.Options()
    options.phiBasis = .a
    print("module                               φ_A(1,1)  φ_ΔW(1,1)  (right side)")
    for (row, a) in zip(rows, try LoRAComparer.run(adapter: first, tuned: nil, second: second, options: options)) {
        guard let d = row.similarities.first(where: { $0.comparison == "lora_lora2" && $0.side == "right" }),
              let e = a.similarities.first(where: { $0.comparison == "lora_lora2" }) else { continue }
        guard e.side == "right", e.basis == .a, e.phi.rows == d.phi.rows, e.phi.cols == d.phi.cols else {
            fail("\(row.module): φ on A's basis is not a right-side grid of the same size")
        }
        let (i, j) = (e.phi.rows - 1, e.phi.cols - 1)
        if abs(e.phi[i, j] - d.phi[i, j]) > 1e-9 { fail("\(row.module): φ(r₁, r₂) differs between the bases") }
        print(row.module.padding(toLength: 36, withPad: " ", startingAt: 0), String(format: "%8.3f  %9.3f", e.phi[0, 0], d.phi[0, 0]))
    }
} catch {
    fail("\(error)")
}
