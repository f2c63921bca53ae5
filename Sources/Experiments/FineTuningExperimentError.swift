/// Why ``FineTuningExperiment/run(progress:)`` stopped, besides the errors of its parts
/// (``TrainingError``, `CheckpointError`, `RankAnalysisError`), which it passes on.
public enum FineTuningExperimentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Pretraining diverged (the reason); its folder holds the run up to that point.
    case pretrainingDiverged(directory: String, _ reason: String)
    /// A shard's pretrained base could not be renamed into `base` (from `from`) and no other
    /// shard's base is there.
    case baseNotMoved(base: String, from: String)

    /// One line naming the folder.
    public var description: String {
        switch self {
        case let .pretrainingDiverged(directory, reason):
            return "pretraining diverged (\(reason)); the files in \(directory) hold the run up to that point"
        case let .baseNotMoved(base, from):
            return "\(base): cannot move the pretrained base there from \(from)"
        }
    }
}
