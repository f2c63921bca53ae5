// ExtractAndMerge: turn a full fine-tune into a LoRA adapter, then merge it back.
//
// For each weight matrix, ΔW = W_tuned − W_base is truncated to its top-r singular
// triplets: B = U_r·Σ_r (out × r), A = V_rᵀ (r × in), α = r so s = 1. By Eckart–Young,
// no rank-r update does better, and the relative error it leaves is the tail energy
//     ‖ΔW − B·A‖_F / ‖ΔW‖_F = √(Σ_{i>r} σᵢ² / Σσᵢ²).
// The adapter is written as a PEFT folder (what `intrinsic-dim extract-lora` writes),
// read back, merged into the base (W_base + B·A), and the merged weights are
// compared with the tuned ones: their error must be that tail error.
//
// Usage (from the repository root):
//   swift run ExtractAndMerge [BASE TUNED [RULE [OUT]]]
// RULE is a rank (`4`) or an energy fraction (`0.9`, the default); OUT is where the
// adapter and merged checkpoint go (default: a temporary folder, removed unless a check fails).
import Foundation
import IntrinsicDim

/// Prints one line to stderr and exits 1: an example that fails says why.
func fail(_ message: String) -> Never {
    fflush(nil)  // stdout first, so the reason comes last
    FileHandle.standardError.write(Data("ExtractAndMerge: \(message)\n".utf8))
    exit(1)
}

let args = CommandLine.arguments
let peft = "Tests/Fixtures/peft/bert"
let (basePath, tunedPath) = args.count > 2 ? (args[1], args[2]) : ("\(peft)/base", "\(peft)/tuned")
let ruleText = args.count > 3 ? args[3] : "0.9"
let temporary = args.count <= 4
let out = temporary ? NSTemporaryDirectory() + "ExtractAndMerge-\(getpid())" : args[4]
defer { if temporary { try? FileManager.default.removeItem(atPath: out) } }

do {
    let started = Date()
    let base = try Checkpoint.open(basePath)
    let tuned = try Checkpoint.open(tunedPath)
    let pairing = try TensorPairing(base: base, tuned: tuned)
    let rule: LoRAExtractionOptions.RankRule = ruleText.contains(".") ? .energy(Double(ruleText) ?? .nan) : .fixed(Int(ruleText) ?? 0)
    // Embedding tables (found by name) are written as lora_embedding_A/B, stored transposed.
    let extraction = try LoRAExtractor.run(pairing, options: try LoRAExtractionOptions(rule: rule))

    // The PEFT folder, exactly as `extract-lora` writes it: adapter_model.safetensors
    // (F32 factors), adapter_config.json (rank_pattern for modules off the common r),
    // extraction.csv / extraction.json with each module's rank and error.
    let provenance = RunProvenance(command: "ExtractAndMerge", arguments: args,
                                   inputs: ["base": .init(base), "tuned": .init(tuned)], options: ["rule": ruleText],
                                   startedAt: started, seconds: Date().timeIntervalSince(started))
    let adapterPath = out + "/adapter"
    try LoRAExtractionReport(result: extraction, provenance: provenance, dtype: .f32, baseModel: basePath).write(to: adapterPath)

    // Read the folder back as any PEFT adapter and merge it: W = W_base + s·B·A.
    let mergedPath = out + "/merged.safetensors"
    _ = try LoRAMerger.merge(base: base, adapter: try LoRAAdapter(path: adapterPath), to: mergedPath)
    let merged = try Checkpoint.open(mergedPath)

    let width = extraction.modules.map(\.tensor.count).max() ?? 0
    print("tensor".padding(toLength: width, withPad: " ", startingAt: 0), " rank  retained  tail error  merged error")
    var worst = 0.0
    for m in extraction.modules {
        // ‖W_merged − W_tuned‖_F / ‖W_tuned − W_base‖_F, in any layout (Frobenius norms).
        let w = try merged[m.tensor]!.readDoubles(), t = try tuned[m.tensor]!.readDoubles(), b = try base[m.tensor]!.readDoubles()
        let residual = zip(w, t).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let update = zip(t, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let error = residual / update
        print(m.tensor.padding(toLength: width, withPad: " ", startingAt: 0),
              String(format: "%5d  %8.4f  %10.6f  %12.6f", m.rank, m.retainedEnergy, m.relativeError, error))
        // Factors and merged weights are rounded to F32 (2⁻²⁴ relative), so allow 1e-5.
        worst = max(worst, abs(error - m.relativeError))
        if abs(error - m.relativeError) > 1e-5 {
            fail("\(m.tensor): merged error \(error) differs from the extraction's tail error \(m.relativeError)")
        }
    }
    let parameters = extraction.modules.reduce(0) { $0 + $1.rank * ($1.rows + $1.cols) }
    print("\(extraction.modules.count) modules, \(parameters) LoRA parameters;",
          "\(extraction.notExtracted.count) tensors not extracted; merged error = tail error ± \(String(format: "%.1e", worst))")
} catch {
    fail("\(error)")
}
