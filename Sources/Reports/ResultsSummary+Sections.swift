import CheckpointIO
import Foundation

// The sections of `summary.md`, one per kind of output folder.
extension ResultsSummary {
    /// The JSON object in `rel` (relative to the results folder).
    func object(_ rel: String) throws(CheckpointError) -> [String: Any] {
        let file = path(rel)
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw CheckpointError(.unreadable, path: file, "cannot read (\(error.localizedDescription))")
        }
        guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError(.unreadable, path: file, "is not a JSON object")
        }
        return o
    }

    func csv(_ rel: String) throws(CheckpointError) -> CSVRecords { try CSVTable.read(path(rel)) }

    /// A number field of `o` (`nil` for JSON null or absent), as Double.
    static func number(_ o: [String: Any], _ key: String) -> Double? { (o[key] as? NSNumber)?.doubleValue }
    static func integer(_ o: [String: Any], _ key: String) -> Int? { (o[key] as? NSNumber)?.intValue }

    static func acc(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "n/a" }
    static func pct(_ x: Double?) -> String { x.map { String(format: "%.1f %%", 100 * $0) } ?? "n/a" }
    static func count(_ x: Int?) -> String {
        guard let x else { return "not reached" }
        let s = String(x)
        var out = ""
        for (k, c) in s.reversed().enumerated() {
            if k > 0 && k % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// Markdown images of the figures of part `name` whose file names end in one of `suffixes`.
    func images(_ name: String, _ suffixes: [String]) -> String {
        let mine = figures.filter { $0.hasPrefix("figures/\(name)/") }
        let chosen = suffixes.compactMap { s in mine.first { $0.hasSuffix(s) } }
        return chosen.map { "![\(($0 as NSString).lastPathComponent)](\($0))\n" }.joined() + (chosen.isEmpty ? "" : "\n")
    }

    func sweepSection(_ name: String) throws -> String {
        let d = try object(name + "/d_int90.json")
        let config = d["configuration"] as? [String: String] ?? [:]
        let lora = (d["size_axis"] as? String) == "rank"
        let size = lora ? "r" : "d"
        let dims = (d["dimensions"] as? [[String: Any]]) ?? []
        let threshold = Self.number(d, "threshold") ?? 0.9
        var md = "## \(lora ? "LoRA rank sweep" : "Random-subspace training") (`\(name)/`)\n\n"
        md += "Model \(config["model"] ?? "?") on \(config["dataset"] ?? "?"), \(lora ? "LoRA" : (config["projection"] ?? "?") + " projection"), "
        md += "\(config["epochs"] ?? "?") epochs, \(config["seeds"] ?? "?") seeds per size; \(d["accuracy"] as? String ?? "final") test accuracy.\n\n"
        let baseline = Self.number(d, "baseline_accuracy")
        md += "- Full-training baseline: \(Self.acc(baseline)) (mean of \(Self.integer(d, "baseline_runs") ?? 0) runs).\n"
        md += "- **\(size)_int90 = \(Self.count(Self.integer(d, lora ? "r_int90" : "d_int90")))** against the measured baseline "
        md += "(the smallest \(size) whose mean reaches \(Self.pct(threshold)) of it, \(Self.acc(Self.number(d, "target_accuracy")))); "
        md += "\(size)_int90 = \(Self.count(Self.integer(d, lora ? "r_int90_absolute" : "d_int90_absolute"))) against the absolute baseline "
        md += "\(Self.acc(Self.number(d, "absolute_baseline"))) (target \(Self.acc(Self.number(d, "target_accuracy_absolute")))).\n"
        if let p = Self.integer(d, "trainable_parameters_at_90") { md += "- Trainable parameters at the 90 % point: \(Self.count(p)).\n" }
        if !lora && config["model"] == "fc" {
            md += "- Li et al. (2018) report d_int90 = 750 for this network on MNIST (trained to convergence; fewer epochs here need a larger d).\n"
        }
        md += "\n| \(size) | runs | mean accuracy | std | fraction of baseline |\n|---:|---:|---:|---:|---:|\n"
        for row in dims {
            guard let s = Self.integer(row, "d"), s > 0 else { continue }
            let mean = Self.number(row, "mean_accuracy")
            md += "| \(Self.count(s)) | \(Self.integer(row, "runs") ?? 0) | \(Self.acc(mean)) | \(Self.acc(Self.number(row, "std_accuracy"))) | "
            md += "\(Self.pct(mean.flatMap { m in baseline.map { m / $0 } })) |\n"
        }
        md += "\n" + images(name, ["accuracy_vs_d.svg", "accuracy_vs_rank.svg"])
        // Single training runs (e.g. the dense projection at one d), beside the sweep.
        for run in parts where run.kind == .trainingRun {
            let r = try object(run.name + "/run.json")
            guard let sd = Self.integer(r, "subspace_dimension"), (r["mode"] as? String) == "subspace" else { continue }
            let spec = r["specification"] as? [String: Any]
            let projection = (spec?["subspace"] as? [String: Any])?["projection"] as? String ?? "?"
            let same = dims.first { Self.integer($0, "d") == sd }.flatMap { Self.number($0, "mean_accuracy") }
            md += "\nA \(projection) projection at d = \(Self.count(sd)) (`\(run.name)/`, one run): final test accuracy "
            md += "\(Self.acc(Self.number(r, "final_test_accuracy")))" + (same.map { "; the sweep's \(config["projection"] ?? "") mean at that d: \(Self.acc($0))" } ?? "") + ".\n"
        }
        return md + "\n"
    }

    func rankSection(_ name: String) throws -> String {
        let t = try csv(name + "/rank_summary.csv")
        let rows = try t.numbers("rows"), cols = try t.numbers("cols"), stable = try t.numbers("stable_rank")
        let e90 = try t.numbers("energy_rank_90"), fro = try t.numbers("fro_norm")
        let updated = rows.indices.filter { (fro[$0] ?? 0) > 0 }
        func median(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.sorted()[xs.count / 2] }
        let sr = median(updated.compactMap { stable[$0] })
        let frac = median(updated.compactMap { i in e90[i].map { $0 / min(rows[i] ?? 1, cols[i] ?? 1) } })
        var md = "## Effective rank of a fine-tuning update (`\(name)/`)\n\n"
        md += "\(updated.count) updated matrices (of \(rows.count)). Median stable rank ‖ΔW‖²_F/σ₁² = \(sr.map { String(format: "%.1f", $0) } ?? "n/a"); "
        md += "90 % of ΔW's energy needs a median \(Self.pct(frac)) of the possible rank min(m, n).\n\n"
        return md + images(name, ["spectra.svg"])
    }

    func extractionSection(_ name: String) throws -> String {
        let t = try csv(name + "/extraction.csv")
        let ranks = try t.numbers("rank"), rows = try t.numbers("rows"), cols = try t.numbers("cols"), kept = try t.numbers("retained_energy")
        let params = ranks.indices.reduce(0.0) { $0 + (ranks[$1] ?? 0) * ((rows[$1] ?? 0) + (cols[$1] ?? 0)) }
        let dense = rows.indices.reduce(0.0) { $0 + (rows[$1] ?? 0) * (cols[$1] ?? 0) }
        let meanKept = kept.compactMap { $0 }.reduce(0, +) / Double(max(1, kept.count))
        var md = "## LoRA extracted from ΔW (`\(name)/`)\n\n"
        md += "\(ranks.count) modules; \(Self.count(Int(params))) LoRA parameters for \(Self.count(Int(dense))) matrix entries "
        md += "(\(Self.pct(dense > 0 ? params / dense : nil))); mean retained energy \(Self.pct(meanKept)); "
        md += "ranks from \(Int(ranks.compactMap { $0 }.min() ?? 0)) to \(Int(ranks.compactMap { $0 }.max() ?? 0)).\n\n"
        return md
    }

    func filesSection() throws -> String {
        var md = "## Files\n\n"
        let fm = FileManager.default
        var links: [String] = []
        for (name, _) in parts {
            guard let walker = fm.enumerator(atPath: path(name)) else { continue }
            while let rel = walker.nextObject() as? String {
                // Per-run folders hold one metrics.csv each: the sweeps' CSVs summarise them.
                if rel.hasPrefix("runs/") || rel.contains("/runs/") || rel.hasPrefix("pretrain/") { continue }
                if rel.hasSuffix(".csv") || rel.hasSuffix(".json") && !rel.hasSuffix("adapter_config.json") && !rel.hasSuffix("run.json") {
                    links.append(name + "/" + rel)
                }
            }
        }
        if parts.contains(where: { $0.kind == .sweep }) {
            links.insert("d_int90.json", at: 0)
        }
        for f in figures.sorted() { md += "- figure: [\(f)](\(f))\n" }
        for l in links.sorted() where !figures.contains(l) { md += "- [\(l)](\(l))\n" }
        return md
    }
}
