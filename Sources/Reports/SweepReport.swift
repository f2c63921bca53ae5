import CheckpointIO
import Foundation
import Training

/// The summary files of a sweep, rewritten (atomically) after every run and
/// by `sweep merge`:
///
/// - `sweep.csv`: `d,seed,projection,status,best_test_accuracy,final_test_accuracy,epochs,seconds`,
///   one row per finished run in plan order; baselines have d = 0 and projection `none`;
/// - `d_int90.json`: ``DInt90Estimate`` (threshold, baseline_accuracy,
///   d_int90, d_int90_absolute, per-d means, bootstrap spread) plus the
///   sweep's configuration and how many runs are finished.
public struct SweepReport: Sendable {
    public let records: [SweepRecord]
    public let estimate: DInt90Estimate
    public let configuration: [String: String]
    /// Runs the plan holds (nil for a search, whose length is not known in advance).
    public let plannedRuns: Int?

    public init(records: [SweepRecord], estimate: DInt90Estimate, configuration: [String: String], plannedRuns: Int?) {
        self.records = records.sorted { $0.index < $1.index }
        self.estimate = estimate
        self.configuration = configuration
        self.plannedRuns = plannedRuns
    }

    public static let columns = ["d", "seed", "projection", "status", "best_test_accuracy", "final_test_accuracy", "epochs", "seconds"]

    public var csv: String {
        var t = CSVTable(columns: Self.columns)
        for r in records {
            t.append([.integer(r.d), .text(String(r.seed)), .text(r.projection), .text(r.status.rawValue),
                      .real(r.bestTestAccuracy), .real(r.finalTestAccuracy), .integer(r.epochs), .real(r.seconds)])
        }
        return t.text
    }

    struct Document: Encodable {
        let estimate: DInt90Estimate
        let configuration: [String: String]
        let runs_finished: Int
        let runs_planned: Int?
        let tool: String
        let version: String

        func encode(to encoder: Encoder) throws {
            try estimate.encode(to: encoder)
            enum K: String, CodingKey { case configuration, runs_finished, runs_planned, tool, version }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(configuration, forKey: .configuration)
            try c.encode(runs_finished, forKey: .runs_finished)
            try c.encode(runs_planned, forKey: .runs_planned)
            try c.encode(tool, forKey: .tool)
            try c.encode(version, forKey: .version)
        }
    }

    public func json() throws -> String {
        try JSONReport.encode(Document(estimate: estimate, configuration: configuration, runs_finished: records.count,
                                       runs_planned: plannedRuns, tool: ToolInfo.name, version: ToolInfo.version))
    }

    /// Writes `sweep.csv` and `d_int90.json` into `directory`.
    public func write(to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try AtomicFile.write(text: csv, to: path("sweep.csv"))
        try AtomicFile.write(text: try json(), to: path("d_int90.json"))
    }
}
