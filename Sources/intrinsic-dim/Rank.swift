import ArgumentParser

struct Rank: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Effective rank of the fine-tuning update of every tensor.",
        discussion: """
            `rank run` (the default, so `rank --base … --tuned … --out …` works) analyses a checkpoint \
            pair. --shard k/N analyses only shard k of the tensors (split by a stable rule balanced by \
            size) so a Slurm job array or GNU parallel spreads one run; `rank merge` combines the \
            shard folders into what one run writes.
            """,
        subcommands: [RankRunCommand.self, RankMergeCommand.self],
        defaultSubcommand: RankRunCommand.self)
}
