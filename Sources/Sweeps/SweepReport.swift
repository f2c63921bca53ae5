import CheckpointIO
import Foundation
import Reports
import Training

/// The summary files of a sweep, rewritten (atomically) after every run and
/// by `sweep merge`:
///
/// - `sweep.csv`: `d,seed,projection,status,best_test_accuracy,final_test_accuracy,epochs,seconds,mode,rank,trainable_parameters,lr,final_test_macro_f1,best_test_macro_f1,majority_test_accuracy`,
///   one row per finished run in plan order; baselines have d = 0 and projection `none`;
///   `mode` is `full`, `subspace` or `lora`; in a LoRA sweep `d` and `rank` hold r;
///   `trainable_parameters` is D, d or Σ r·(in + out) (empty in journals that predate it);
///   then `lr` (the run's peak learning rate), `final_test_macro_f1`, `best_test_macro_f1` and
///   `majority_test_accuracy` (encoder sweeps; empty otherwise);
/// - `d_int90.json`: ``DInt90Estimate`` (threshold, baseline_accuracy,
///   d_int90, d_int90_absolute, per-d means, bootstrap spread) plus the
///   sweep's configuration and how many runs are finished; `size_axis` (`d`,
///   or `rank` for a LoRA sweep, whose estimator fields then count ranks),
///   `r_int90` / `r_int90_absolute` (LoRA sweeps: the smallest rank whose mean
///   accuracy reaches the threshold; null otherwise), and
///   `trainable_parameters_at_90` / `…_absolute`: the trainable parameters at
///   that 90 % point, so subspace and LoRA sweeps sit on one axis.
public struct SweepReport: Sendable {
    /// The finished runs, sorted by plan position.
    public let records: [SweepRecord]
    /// The 90 % estimate from `records` (``DInt90Estimator``).
    public let estimate: DInt90Estimate
    /// The sweep's options rendered as text, recorded in `d_int90.json`.
    public let configuration: [String: String]
    /// Runs the plan holds (nil for a search, whose length is not known in advance).
    public let plannedRuns: Int?

    /// A report of `records` (sorted here by plan position); nothing is written until ``write(to:)``.
    public init(records: [SweepRecord], estimate: DInt90Estimate, configuration: [String: String], plannedRuns: Int?) {
        self.records = records.sorted { $0.index < $1.index }
        self.estimate = estimate
        self.configuration = configuration
        self.plannedRuns = plannedRuns
    }

    /// The columns of `sweep.csv`, in order (accuracies are fractions, `seconds` wall time).
    public static let columns = ["d", "seed", "projection", "status", "best_test_accuracy", "final_test_accuracy", "epochs", "seconds",
                                 "mode", "rank", "trainable_parameters", "lr", "final_test_macro_f1", "best_test_macro_f1",
                                 "majority_test_accuracy"]

    /// `sweep.csv`: one row per record, ``columns``.
    public var csv: String {
        var t = CSVTable(columns: Self.columns)
        for r in records {
            t.append([.integer(r.d), .text(String(r.seed)), .text(r.projection), .text(r.status.rawValue),
                      .real(r.bestTestAccuracy), .real(r.finalTestAccuracy), .integer(r.epochs), .real(r.seconds),
                      .text(r.modeName), r.rank.map { .integer($0) } ?? .text(""),
                      r.trainableParameters.map { .integer($0) } ?? .text(""),
                      r.learningRate.map { .real($0) } ?? .text(""), r.finalTestMacroF1.map { .real($0) } ?? .text(""),
                      r.bestTestMacroF1.map { .real($0) } ?? .text(""), r.majorityTestAccuracy.map { .real($0) } ?? .text("")])
        }
        return t.text
    }

    /// Whether this is a LoRA sweep (its size coordinate is the rank r, not d).
    public var isLoRA: Bool { records.contains { $0.modeName == "lora" } || configuration["mode"] == "lora" }

    /// The trainable parameters of the runs at size `size` (d, or the rank of a LoRA sweep), if recorded.
    func trainableParameters(atSize size: Int?) -> Int? {
        guard let size else { return nil }
        if !isLoRA { return size }
        return records.first { $0.d == size && $0.trainableParameters != nil }?.trainableParameters
    }

    struct Document: Encodable {
        let estimate: DInt90Estimate
        let sizeAxis: String
        let rInt90: Int?
        let rInt90Absolute: Int?
        let trainableAt90: Int?
        let trainableAt90Absolute: Int?
        let configuration: [String: String]
        let runs_finished: Int
        let runs_planned: Int?
        let tool: String
        let version: String

        func encode(to encoder: Encoder) throws {
            try estimate.encode(to: encoder)
            enum K: String, CodingKey {
                case configuration, runs_finished, runs_planned, tool, version, size_axis, r_int90, r_int90_absolute
                case trainable_parameters_at_90, trainable_parameters_at_90_absolute
            }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(sizeAxis, forKey: .size_axis)
            try c.encode(rInt90, forKey: .r_int90)
            try c.encode(rInt90Absolute, forKey: .r_int90_absolute)
            try c.encode(trainableAt90, forKey: .trainable_parameters_at_90)
            try c.encode(trainableAt90Absolute, forKey: .trainable_parameters_at_90_absolute)
            try c.encode(configuration, forKey: .configuration)
            try c.encode(runs_finished, forKey: .runs_finished)
            try c.encode(runs_planned, forKey: .runs_planned)
            try c.encode(tool, forKey: .tool)
            try c.encode(version, forKey: .version)
        }
    }

    /// `d_int90.json`: the estimate's fields plus `size_axis`, `r_int90`,
    /// `trainable_parameters_at_90`, the configuration and the run counts.
    ///
    /// - Throws: the JSON encoder's error (not expected for these values).
    public func json() throws -> String {
        try JSONReport.encode(Document(estimate: estimate, sizeAxis: isLoRA ? "rank" : "d",
                                       rInt90: isLoRA ? estimate.dInt90 : nil, rInt90Absolute: isLoRA ? estimate.dInt90Absolute : nil,
                                       trainableAt90: trainableParameters(atSize: estimate.dInt90),
                                       trainableAt90Absolute: trainableParameters(atSize: estimate.dInt90Absolute),
                                       configuration: configuration, runs_finished: records.count,
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
