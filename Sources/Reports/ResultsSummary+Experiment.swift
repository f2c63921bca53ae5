import CheckpointIO
import Foundation

// The fine-tuning experiment's section of `summary.md`.
extension ResultsSummary {
    func experimentSection(_ name: String) throws -> String {
        let j = try object(name + "/experiment.json")
        let t = try csv(name + "/experiment.csv")
        let modes = try t.strings("mode"), sizes = try t.numbers("size"), params = try t.numbers("trainable_parameters")
        let means = try t.numbers("mean_accuracy"), stds = try t.numbers("std_accuracy"), fractions = try t.numbers("fraction_of_full")
        let runs = try t.numbers("runs")
        let options = (j["provenance"] as? [String: Any])?["options"] as? [String: String] ?? [:]
        let full = Self.number(j, "full_finetune_accuracy")
        let threshold = Self.number(j, "threshold") ?? 0.9

        let isEncoder = options["model"] != nil && options["pretrain"] == nil
        let macroF1 = (try? t.numbers("mean_macro_f1")) ?? modes.map { _ in nil }
        let floor = Self.number(j, "majority_test_accuracy")
        var md = ""
        if isEncoder {
            md += "## Fine-tuning a text encoder: SAID subspace, LoRA and the rank of ΔW (`\(name)/`)\n\n"
            let limits = [options["train_limit"].flatMap { $0.isEmpty ? nil : "the first \($0) training documents" },
                          options["test_limit"].flatMap { $0.isEmpty ? nil : "the first \($0) test documents" },
                          options["max_length"].map { "at most \($0) tokens" }].compactMap { $0 }.joined(separator: ", ")
            md += "The encoder folder `\(options["model"] ?? "?")` (the base itself, no pretraining; a new classification head) fine-tuned on "
            md += "\(options["task"] ?? "?") (\(limits)) for \(options["epochs"] ?? "?") epochs, \(options["seeds"] ?? "?") seeds: fully "
            md += "(AdamW at \(options["lr"] ?? "?"); accuracy \(Self.acc(full)), macro-F1 \(Self.acc(Self.number(j, "full_finetune_macro_f1")))), "
            md += "in SAID subspaces (per-tensor Fastfood with one scale per tensor, Aghajanyan et al. 2020; "
            let lrs = options["subspace_lrs"] ?? ""
            md += lrs.isEmpty ? "lr \(options["subspace_lr"] ?? "?")), " : "each d at the best of lr ∈ {\(lrs)}), "
            md += "and with LoRA on \(options["targets"] ?? "?") plus the trained classifier (lr \(options["lora_lr"] ?? "?")). "
            md += "The base with seed 0's untrained head scores \(Self.acc(Self.number(j, "base_accuracy_target_task"))).\n\n"
            md += "**Majority-class floor: \(Self.acc(floor))** (always answering the test set's most common label); "
            md += "\(Self.pct(threshold)) of the full fine-tune is \(Self.acc(full.map { threshold * $0 }))"
            if j["target_below_majority"] as? Bool == true {
                md += " — **at or below the floor**, so d_int90 and r_int90 say little at this scale"
            }
            md += ".\n\n"
        } else {
        md += "## Fine-tuning: subspace, LoRA and the rank of ΔW from one base (`\(name)/`)\n\n"
        md += "A base pretrained on \(options["pretrain"] ?? "?") (accuracy there \(Self.acc(Self.number(j, "base_accuracy_pretrain_task"))); "
        md += "on \(options["task"] ?? "?") before fine-tuning \(Self.acc(Self.number(j, "base_accuracy_target_task")))), fine-tuned on "
        md += "\(options["task"] ?? "?") for \(options["epochs"] ?? "?") epochs, \(options["seeds"] ?? "?") seeds: fully (accuracy \(Self.acc(full))), "
        md += "in Fastfood subspaces from the base (θ_D⁰ = the base, Aghajanyan et al. 2020), and with LoRA (Hu et al. 2021).\n\n"
        }
        md += "**How many parameters reach \(Self.pct(threshold)) of the full fine-tune:**\n\n"
        // An encoder's rows add the mean accuracy there beside the majority-class floor.
        func at(_ mode: String, _ size: Int?) -> String {
            guard isEncoder else { return "\n" }
            let i = modes.indices.first { modes[$0] == mode && sizes[$0].map { Int($0) } == size }
            return " \(Self.acc(i.flatMap { means[$0] })) (floor \(Self.acc(floor))) |\n"
        }
        md += isEncoder ? "| measure | size | trainable parameters | mean accuracy there (majority-class floor) |\n|---|---:|---:|---:|\n"
            : "| measure | size | trainable parameters |\n|---|---:|---:|\n"
        md += "| random subspace, d_int90 | \(Self.count(Self.integer(j, "d_int90"))) | \(Self.count(Self.integer(j, "d_int90_trainable_parameters"))) |"
        md += at("subspace", Self.integer(j, "d_int90"))
        md += "| LoRA, r_int90 | \(Self.count(Self.integer(j, "r_int90"))) | \(Self.count(Self.integer(j, "r_int90_trainable_parameters"))) |"
        md += at("lora", Self.integer(j, "r_int90"))
        let extractions = j["extractions"] as? [[String: Any]] ?? []
        if let energy = extractions.first(where: { $0["mode"] as? String == "extracted_energy" }) {
            let p = (energy["trainable_parameters"] as? [NSNumber])?.map(\.doubleValue) ?? []
            let a = (energy["accuracy"] as? [NSNumber])?.map(\.doubleValue) ?? []
            let meanP = p.isEmpty ? nil : Int((p.reduce(0, +) / Double(p.count)).rounded())
            let meanA = a.isEmpty ? nil : a.reduce(0, +) / Double(a.count)
            md += "| ΔW_full truncated to \(Self.integer(energy, "size") ?? 90) % energy per layer (accuracy \(Self.acc(meanA)), "
            md += "\(Self.pct(meanA.flatMap { m in full.map { m / $0 } })) of full) | ranks below | \(Self.count(meanP)) |"
            md += isEncoder ? " \(Self.acc(meanA)) (floor \(Self.acc(floor))) |\n" : "\n"
        }
        md += "\n" + images(name, ["/accuracy_vs_parameters.svg"])
        md += "| mode | size | trainable parameters | mean accuracy | std | runs | fraction of full |"
        md += isEncoder ? " mean macro-F1 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n" : "\n|---|---:|---:|---:|---:|---:|---:|\n"
        for i in modes.indices {
            md += "| \(modes[i]) | \(Self.count(sizes[i].map { Int($0) })) | \(Self.count(params[i].map { Int($0) })) | \(Self.acc(means[i])) | "
            md += "\(Self.acc(stds[i])) | \(Int(runs[i] ?? 0)) | \(Self.pct(fractions[i])) |" + (isEncoder ? " \(Self.acc(macroF1[i])) |\n" : "\n")
        }
        md += "\n`extracted` r: the full fine-tune's ΔW truncated to rank r per layer (its best rank-r approximation), merged into "
        md += "the base and evaluated — against `lora` r, trained LoRA with the same parameter count."
        md += isEncoder ? " For the encoder, the merged model is the base with every extracted W₀ + B·A and the full run's classifier "
            + "(the adapter's modules_to_save), evaluated in eval mode; a LoRA rank counts its classifier in the trainable parameters, "
            + "an extraction does not.\n\n" : "\n\n"

        // Per layer: energy ranks of ΔW_full and what each LoRA rank captures.
        let layers = j["layers"] as? [[String: Any]] ?? []
        if !layers.isEmpty {
            let ranks = Set(layers.flatMap { ($0["captured_energy"] as? [String: Any])?.keys.compactMap { Int($0) } ?? [] }).sorted()
            md += "**ΔW_full per layer**: energy rank 90 (seed by seed) and the fraction of its energy ‖P_U ΔW P_V‖²/‖ΔW‖² "
            md += "in LoRA's row and column spaces (mean over seeds):\n\n"
            md += "| tensor | energy rank 90 |" + ranks.map { " r = \($0) |" }.joined() + "\n|---|---:|" + ranks.map { _ in "---:|" }.joined() + "\n"
            for l in layers {
                let e = (l["full_energy_rank_90"] as? [NSNumber])?.map { String($0.intValue) }.joined(separator: ", ") ?? "?"
                let c = l["captured_energy"] as? [String: Any] ?? [:]
                md += "| \(l["tensor"] as? String ?? "?") | \(e) |" + ranks.map { " \(Self.pct((c[String($0)] as? NSNumber)?.doubleValue)) |" }.joined() + "\n"
            }
            md += "\n"
        }
        md += try similaritySection(name)
        // The largest-rank pair's φ heatmaps and ΔW_full's spectra (figures/<name>/ holds every figure).
        let phi = figures.filter { $0.hasPrefix("figures/\(name)/compare-") && $0.contains("-vs-") && $0.contains("similarity_") }.sorted()
        if let first = phi.first(where: { $0.contains("r8-vs-r64") }) ?? phi.last { md += "![φ](\(first))\n\n" }
        md += images(name, ["rank-seed0-spectra.svg"])
        return md
    }

    /// φ between adapters (Hu et al. 2021, Fig. 3) and between an adapter and ΔW_full, with the random baseline.
    func similaritySection(_ name: String) throws -> String {
        let root = path(name, "compare")
        guard let folders = try? FileManager.default.contentsOfDirectory(atPath: root) else { return "" }
        let pairs = folders.filter { $0.contains("-vs-") }.sorted()
        // Each rank's adapter against ΔW_full, seed 0, by increasing rank.
        let againstFull = folders.filter { !$0.contains("-vs-") && $0.hasSuffix("-seed0") }
            .sorted { (Int($0.dropFirst().prefix { $0.isNumber }) ?? 0) < (Int($1.dropFirst().prefix { $0.isNumber }) ?? 0) }
        return try phiTable(root, pairs, comparison: "lora_lora2", first: "comparison",
                            heading: "**φ between adapters** (left singular subspaces; φ(i, j) = ‖U_iᵀ U'_j‖²_F / min(i, j) ∈ [0, 1]; random subspaces give max(i, j)/d on average):")
            + phiTable(root, againstFull, comparison: "lora_full", first: "adapter",
                       heading: "**φ between LoRA and ΔW_full** (seed 0; LoRA's top-i against ΔW_full's top-j left singular directions):")
    }

    /// One φ table: a row per tensor of each compare folder in `folders` (empty without folders).
    func phiTable(_ root: String, _ folders: [String], comparison: String, first: String, heading: String) throws -> String {
        guard !folders.isEmpty else { return "" }
        var md = heading + "\n\n| \(first) | tensor | φ(1, 1) | mean φ over the grid | random, mean over the grid |\n|---|---|---:|---:|---:|\n"
        for folder in folders {
            let t = try CSVTable.read(root + "/" + folder + "/subspace_similarity.csv")
            for (tensor, v) in try Self.phiSummary(t, comparison: comparison) {
                md += "| \(folder) | \(tensor) | \(String(format: "%.3f", v.first)) | \(String(format: "%.3f", v.mean)) | \(String(format: "%.3f", v.random)) |\n"
            }
        }
        return md + "\n"
    }

    /// Per tensor (left side): φ(1, 1), the grid's mean φ, and the mean of `phi_random_expected` over the same grid.
    static func phiSummary(_ t: CSVRecords, comparison: String) throws -> [(String, (first: Double, mean: Double, random: Double))] {
        let tensors = try t.strings("tensor"), sides = try t.strings("side"), kinds = try t.strings("comparison")
        let i = try t.numbers("i"), j = try t.numbers("j"), phi = try t.numbers("phi"), random = try t.numbers("phi_random_expected")
        var order: [String] = []
        var acc: [String: (first: Double, sum: Double, random: Double, n: Int)] = [:]
        for k in tensors.indices where sides[k] == "left" && kinds[k] == comparison {
            if acc[tensors[k]] == nil { order.append(tensors[k]); acc[tensors[k]] = (.nan, 0, 0, 0) }
            let p = phi[k] ?? .nan
            if i[k] == 1 && j[k] == 1 { acc[tensors[k]]!.first = p }
            acc[tensors[k]]!.sum += p
            acc[tensors[k]]!.random += random[k] ?? .nan
            acc[tensors[k]]!.n += 1
        }
        return order.map { name in
            let a = acc[name]!
            return (name, (a.first, a.sum / Double(a.n), a.random / Double(a.n)))
        }
    }
}
