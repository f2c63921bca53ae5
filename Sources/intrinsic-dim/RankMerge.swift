import ArgumentParser
import Foundation
import IntrinsicDim

struct RankMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the folders of `rank --shard k/N` runs into the output of one run.",
        discussion: """
            Reads each shard's rank_summary.json, spectra.csv and vectors.safetensors and writes into \
            --out the files one `rank` run of the same options writes, byte for byte the same CSV \
            files and the same JSON apart from the provenance's command line, start time, wall times \
            and host. Refuses (naming the folder) a folder that is not a finished shard, shards of \
            different inputs or options, a shard given twice, a missing shard or a missing tensor.
            """)

    @Argument(help: ArgumentHelp("The shard folders (each written by rank --shard k/N).", valueName: "dir"))
    var directories: [String]

    @Option(help: ArgumentHelp("The output directory (created if missing).", valueName: "dir"))
    var out: String

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("give the shard folders to merge") }
    }

    func run() throws {
        try reportingFailures("rank merge") {
            let shards = try directories.map { dir in (directory: dir, report: try RankReport.read(from: dir)) }
            let merged = try RankReport.merge(shards, arguments: CommandLine.arguments)
            let summary = (out as NSString).appendingPathComponent("rank_summary.csv")
            if FileManager.default.fileExists(atPath: summary) {
                throw RankCommandError("\(summary) already exists; merge into a new directory")
            }
            try merged.write(to: out)
            Terminal.line("rank merge: \(merged.result.matrices.count) matrices, \(merged.result.vectors.count) vectors from \(shards.count) shards → \(out)")
        }
    }
}
