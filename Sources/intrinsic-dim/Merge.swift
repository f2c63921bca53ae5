import ArgumentParser
import Foundation
import IntrinsicDim

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a PEFT LoRA adapter into its base checkpoint (W₀ + s·B·A).",
        discussion: """
            Every adapted tensor becomes W₀ + ΔW_lora (float64, rounded once to the base's dtype); every \
            full tensor the adapter carries (modules_to_save copies such as a classifier head, biases of \
            bias "all"/"lora_only") replaces the base's, as PEFT's merge_and_unload() does, and a kind it \
            does not apply (trainable_token_indices) is refused; every other tensor is copied unchanged, with the base's names, order and metadata. A single-file base \
            is written to --out as one .safetensors file; a sharded base to the folder --out, shard names and \
            index as the base's.
            """)

    @Option(help: ArgumentHelp("The base checkpoint the adapter was trained on.", valueName: "path"))
    var base: String

    @Option(help: ArgumentHelp("The PEFT adapter folder (adapter_config.json, adapter_model.safetensors).", valueName: "dir"))
    var adapter: String

    @Option(help: ArgumentHelp("The merged checkpoint: a .safetensors file, or a folder for a sharded base.", valueName: "path"))
    var out: String

    @Option(name: .customLong("prefix-map"), help: ArgumentHelp("Rename module paths starting with OLD to NEW before finding base tensors (repeatable).", valueName: "OLD=NEW"))
    var prefixMap: [String] = []

    func validate() throws { _ = try PrefixMap.parse(prefixMap) }

    func run() throws {
        try reportingFailures("merge") {
            let adapterFolder = try LoRAAdapter(path: adapter)
            let baseCheckpoint = try Checkpoint.open(base)
            let map = try PrefixMap.parse(prefixMap)
            let bound = try adapterFolder.bind(to: baseCheckpoint, prefixMap: map)
            let full = try adapterFolder.bindFullTensors(to: baseCheckpoint, prefixMap: map)
            for b in bound { if let note = b.matchNote { Terminal.line("merge: module '\(b.module.path)': \(note)") } }
            for b in bound { if let note = b.layoutNote, (b.module.kind == .conv1D) != adapterFolder.config.fanInFanOut { Terminal.line("merge: module '\(b.module.path)': \(note)") } }
            for f in full { if let note = f.matchNote { Terminal.line("merge: '\(f.full.key)': \(note)") } }
            let summary = try LoRAMerger.merge(base: baseCheckpoint, modules: bound, fullTensors: full, to: out)
            let replaced = summary.replacedTensors.isEmpty ? "" : ", \(summary.replacedTensors.count) replaced by the adapter's full tensors"
            Terminal.line("merge: \(summary.mergedTensors.count) tensors merged\(replaced) → \(summary.files.joined(separator: ", "))")
        }
    }
}

/// `--prefix-map OLD=NEW` options.
enum PrefixMap {
    static func parse(_ values: [String]) throws -> [(old: String, new: String)] {
        try values.map { v in
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                throw ValidationError("--prefix-map takes OLD=NEW, got '\(v)'")
            }
            return (String(v[..<eq]), String(v[v.index(after: eq)...]))
        }
    }
}
