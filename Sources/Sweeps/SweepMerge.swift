import Foundation
import Reports
import Training

/// Combines the journals of a sweep's shards (``SweepShard``) into one sweep directory: the
/// merged `journal.jsonl`, every run's folder copied from the shard that journalled it, and
/// `sweep.csv` / `d_int90.json` — the files one machine running the whole plan writes.
public struct SweepMerge: Sendable {
    /// What a merge wrote.
    public struct Result: Sendable {
        /// The merged summary (records in plan order).
        public let report: SweepReport
        /// Run folders copied into the merged `runs/`.
        public let copiedRunFolders: Int
    }

    /// The shard directories, each holding `journal.jsonl` (and `runs/`).
    public var directories: [String]
    /// The merged sweep's directory; it must not hold a journal yet.
    public var directory: String
    /// How the merged `d_int90.json` summarises the records.
    public var summary: SweepSummaryOptions

    /// A merge of `directories` into `directory`; nothing is read until ``run()``.
    public init(_ directories: [String], into directory: String, summary: SweepSummaryOptions = SweepSummaryOptions()) {
        self.directories = directories
        self.directory = directory
        self.summary = summary
    }

    /// Reads every shard's journal, checks they belong to one sweep and agree on every run
    /// they share, then writes the merged directory.
    ///
    /// - Throws: ``TrainingError/journalMismatch(path:_:)`` for shards of different sweeps, a
    ///   run two shards disagree on, or a merged journal that already exists;
    ///   ``TrainingError/invalidOption(_:_:)`` without directories; file errors naming the file.
    public func run() throws -> Result {
        guard !directories.isEmpty else { throw TrainingError.invalidOption("out", "give at least one shard directory") }
        var merged: [Int: SweepRecord] = [:]
        var config: [String: String] = [:]
        var sources: [(String, [String])] = []
        for (n, dir) in directories.enumerated() {
            let path = (dir as NSString).appendingPathComponent("journal.jsonl")
            let j = try SweepJournal.read(path)
            if n > 0, let diff = SweepJournal.difference(config, j.configuration) {
                throw TrainingError.journalMismatch(path: path, "belongs to a different sweep than \(directories[0]): \(diff)")
            }
            config = j.configuration
            for r in j.records {
                if let other = merged[r.index], !other.sameOutcome(as: r) {
                    throw TrainingError.journalMismatch(path: path, "run \(r.index) (d = \(r.d), seed \(r.seed)) differs from another shard's")
                }
                if merged[r.index] == nil {
                    merged[r.index] = r
                    sources.append((dir, [r.directoryName(learningRateSwept: j.configuration["lrs"] != nil)]))
                }
            }
        }
        let records = merged.values.sorted { $0.index < $1.index }
        try ReportDirectory.create(directory)
        let journalPath = (directory as NSString).appendingPathComponent("journal.jsonl")
        if FileManager.default.fileExists(atPath: journalPath) {
            throw TrainingError.journalMismatch(path: journalPath, "already exists; merge into a new directory")
        }
        var journal = try SweepJournal.open(journalPath, configuration: config)
        for r in records { try journal.append(r) }
        // Each run's folder (model, adapter, metrics) from the shard that journalled it.
        var copied = 0
        for (dir, names) in sources {
            for name in names {
                let from = (dir as NSString).appendingPathComponent("runs/" + name)
                let to = (directory as NSString).appendingPathComponent("runs/" + name)
                guard FileManager.default.fileExists(atPath: from), !FileManager.default.fileExists(atPath: to) else { continue }
                try ReportDirectory.create((directory as NSString).appendingPathComponent("runs"))
                try ReportDirectory.copyAtomically(from, to: to)
                copied += 1
            }
        }
        // A grid's plan length, from the recorded options (a search has none).
        let planned: Int? = (config["d"] ?? config["ranks"]).map { d in
            SweepPlan.grid(dimensions: d.split(separator: ",").compactMap { Int($0) },
                           seeds: Int(config["seeds"] ?? "") ?? 0,
                           learningRates: (config["lrs"] ?? "").split(separator: ",").compactMap { Float($0) }).count
        }
        let report = summary.report(records, configuration: config, plannedRuns: planned)
        try report.write(to: directory)
        return Result(report: report, copiedRunFolders: copied)
    }
}
