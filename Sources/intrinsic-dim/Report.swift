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
            kept), every number read from the sub-folder's own files; the figures `plot` draws for each \
            sub-folder go to DIR/figures/<sub-folder>/ and are shown and linked. The first subspace sweep's \
            d_int90.json is copied beside summary.md.
            """)

    @Argument(help: ArgumentHelp("The results folder (e.g. out/demo).", valueName: "dir")) var directory: String

    func run() throws {
        try reportingFailures("report") {
            var summary = try ResultsSummary(directory: directory)
            // The figures of every part that `plot` draws, into figures/<part>/.
            for part in summary.parts {
                let dir = (directory as NSString).appendingPathComponent(part.name)
                guard OutputFolderKind.detect(dir) != nil else { continue }
                let into = (directory as NSString).appendingPathComponent("figures/" + part.name)
                for path in try FigureWriter.draw(directory: dir, into: into) {
                    summary.figures.append("figures/\(part.name)/" + (path as NSString).lastPathComponent)
                }
            }
            Terminal.line("report: drew \(summary.figures.count) figures into \(directory)/figures")
            for path in try summary.write() { Terminal.line("report: wrote \(path)") }
        }
    }
}
