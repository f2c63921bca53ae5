import ArgumentParser
import IntrinsicDim

@main
struct IntrinsicDimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intrinsic-dim",
        abstract: "Measure how few parameters fine-tuning really needs.",
        discussion: """
            rank: effective rank of fine-tuning updates ΔW = W_tuned − W_base, per tensor, \
            from safetensors (single or sharded) or NumPy checkpoints.
            project: apply a dense, sparse or Fastfood random projection (or its transpose).
            doctor: the OpenBLAS kernel in use and why, the CPU's features, library versions.
            """,
        version: ToolInfo.version,
        subcommands: [Rank.self, Compare.self, ExtractLoRA.self, Merge.self, Project.self, Train.self, Sweep.self, Experiment.self,
                      Tokenize.self, Report.self, Plot.self, Doctor.self, Benchmark.self])

    /// Moves off OpenBLAS's generic kernel first (``KernelCheck``; this may
    /// re-execute the process once), then parses and runs the command.
    static func main() {
        KernelCheck.apply()
        main(nil)
    }
}
