import Training

/// What ``Sweep/run(progress:)`` reports while it works (the library never prints).
public enum SweepProgress: Sendable {
    /// The run being made: its place in the sweep and what it trains.
    public struct Run: Sendable, Hashable {
        /// 1-based: the journal's run count before this run, plus one.
        public let position: Int
        /// The runs of the plan (its shard), or `nil` for a search, whose length is not known.
        public let total: Int?
        /// The planned run (index, size, seed).
        public let run: SweepRun
        /// `full`, `subspace` or `lora`.
        public let mode: String
        /// The projection's kind of a subspace run, `none` otherwise.
        public let projection: String
        /// The epochs each run trains.
        public let epochs: Int

        /// `full`, `LoRA r = 8` or `fastfood d = 750`, with `, lr 0.003` in a sweep over learning rates.
        public var label: String {
            let size = mode == "full" ? "full" : mode == "lora" ? "LoRA r = \(run.d)" : "\(projection) d = \(run.d)"
            return size + (run.learningRate.map { ", lr \($0)" } ?? "")
        }
    }

    /// The journal already holds this many finished runs; they are not made again.
    case resuming(finishedRuns: Int)
    /// An epoch of `Run` ended (its metrics are written); the wall-time estimate of what is left
    /// of the sweep, in seconds, from the pace so far (`nil` for a search).
    case epoch(Run, EpochRecord, secondsRemaining: Double?)
    /// `Run` finished (or diverged) and is in the journal; the summary files are rewritten.
    case finished(Run, SweepRecord)
}
