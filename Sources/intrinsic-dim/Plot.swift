import ArgumentParser
import Foundation
import IntrinsicDim

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the figures of a rank, sweep, compare or experiment output folder as SVG.",
        discussion: """
            Tells the folder's kind from its files and writes into --out (default DIR/figures): \
            a sweep: accuracy_vs_d.svg (accuracy_vs_rank.svg for a LoRA sweep), test accuracy against d \
            with every run, the mean, both 90 % lines and d_int90; a rank folder: spectra.svg, σᵢ and the \
            cumulative energy per tensor; a compare folder: spectra.svg (ΔW_full, ΔW_lora, ΔW_lora2) and \
            similarity_<tensor>.svg, φ(i, j) heatmaps beside a random baseline; an experiment: \
            accuracy_vs_parameters.svg (every mode, mean ± std) plus the figures of its sub-folders, \
            prefixed with the sub-folder path (subspace-, lora-, rank-seed0-, compare-<name>-). \
            Prints the path of each figure written, one per line.
            """)

    @Argument(help: ArgumentHelp("The output folder of rank, sweep, compare or experiment finetune.", valueName: "dir"))
    var directory: String

    @Option(help: ArgumentHelp("The figure folder (created if missing; default DIR/figures).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Comma-separated tensors for the spectra and similarity figures (default: the largest updates).", valueName: "a,b,c"))
    var tensors: String?

    @Option(name: .customLong("max-tensors"), help: ArgumentHelp("Tensors drawn per spectra figure and compare folder without --tensors.", valueName: "n"))
    var maxTensors: Int = 6

    func validate() throws {
        guard maxTensors >= 1 else { throw ValidationError("--max-tensors must be at least 1, got \(maxTensors)") }
        if let tensors, tensors.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--tensors has an empty name: '\(tensors)'")
        }
    }

    func run() throws {
        try reportingFailures("plot") {
            let names = tensors.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let written = try FigureWriter.draw(directory: directory, into: out,
                                                options: FigureWriter.Options(tensors: names, maxTensors: maxTensors))
            for path in written { print(path) }
        }
    }
}
