import ArgumentParser
import Foundation
import IntrinsicDim

/// `report DIR`: `summary.md` (and `d_int90.json`) of a folder of outputs.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write DIR/summary.md: the findings of the outputs in DIR's sub-folders, with links to every CSV and figure.",
        discussion: """
            Each sub-folder of DIR that holds the output of sweep, train, experiment finetune, rank or \
            extract-lora becomes a section of summary.md (d_int90 against both baselines, r_int90, accuracy \
            per trainable parameter, ΔW's energy ranks, φ between adapters and with ΔW_full, what extraction \
            kept), every number read from the sub-folder's own files. The first sweep's d_int90.json is copied \
            beside summary.md. SVG figures under DIR/figures/ are linked.
            """)

    @Argument(help: ArgumentHelp("The results folder (e.g. out/demo).", valueName: "dir")) var directory: String

    func run() throws {
        try reportingFailures("report") {
            let figuresDir = (directory as NSString).appendingPathComponent("figures")
            let figures = ((try? FileManager.default.subpathsOfDirectory(atPath: figuresDir)) ?? [])
                .filter { $0.hasSuffix(".svg") }.map { "figures/" + $0 }
            let summary = try ResultsSummary(directory: directory, figures: figures)
            for path in try summary.write() { Terminal.line("report: wrote \(path)") }
        }
    }
}
