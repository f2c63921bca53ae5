import ArgumentParser

struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Composite experiments built from train, sweep, rank and compare.",
        subcommands: [ExperimentFinetune.self])
}
