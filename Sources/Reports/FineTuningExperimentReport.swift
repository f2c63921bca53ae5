import CheckpointIO
import Foundation
import RankAnalysis
import Training

/// The summary of `experiment finetune`: from one pretrained base, how many
/// parameters fine-tuning needs as a random subspace (d_int90), as LoRA
/// (r_int90), and as the energy rank of the full fine-tune's ΔW.
///
/// - `experiment.csv`: ``columns``, one row per mode and size: `full` (size D),
///   every subspace d and every LoRA rank r, with the trainable parameters, the
///   runs, the mean and sample standard deviation of the final test accuracy
///   over seeds, and `fraction_of_full` = mean / the full fine-tunes' mean.
/// - `experiment.json`: the base's accuracy on the pretraining task and on the
///   target task, the full fine-tunes' mean, d_int90 and r_int90 (threshold ×
///   the full fine-tunes' mean) with their trainable parameters, and per layer
///   the energy rank at 90 % of ΔW_full (per seed) and the captured energy of
///   each LoRA rank (mean over seeds), plus the ``RunProvenance``.
public struct FineTuningExperimentReport: Sendable {
    /// The columns of `experiment.csv`.
    public static let columns = ["mode", "size", "trainable_parameters", "runs", "mean_accuracy", "std_accuracy", "fraction_of_full"]

    /// One layer's rank findings.
    public struct Layer: Sendable, Encodable {
        public let tensor: String
        /// energy_rank_90 of ΔW_full, seed by seed.
        public let fullEnergyRank90: [Int]
        /// LoRA rank (as text) → mean captured energy of ΔW_full over seeds.
        public let capturedEnergy: [String: Double]
        public init(tensor: String, fullEnergyRank90: [Int], capturedEnergy: [String: Double]) {
            self.tensor = tensor
            self.fullEnergyRank90 = fullEnergyRank90
            self.capturedEnergy = capturedEnergy
        }
        enum CodingKeys: String, CodingKey {
            case tensor
            case fullEnergyRank90 = "full_energy_rank_90", capturedEnergy = "captured_energy"
        }
    }

    public let subspace: [SweepRecord]
    public let lora: [SweepRecord]
    public let threshold: Double
    public let basePretrainAccuracy: Double
    public let baseTaskAccuracy: Double
    public let layers: [Layer]
    public let provenance: RunProvenance

    public init(subspace: [SweepRecord], lora: [SweepRecord], threshold: Double, basePretrainAccuracy: Double,
                baseTaskAccuracy: Double, layers: [Layer], provenance: RunProvenance) {
        self.subspace = subspace
        self.lora = lora
        self.threshold = threshold
        self.basePretrainAccuracy = basePretrainAccuracy
        self.baseTaskAccuracy = baseTaskAccuracy
        self.layers = layers
        self.provenance = provenance
    }

    struct Row {
        let mode: String, size: Int, trainable: Int?, runs: Int, mean: Double?, std: Double?
    }

    /// Mean and sample standard deviation of the ok runs' final accuracy per (mode, size).
    var rows: [Row] {
        var out: [Row] = []
        func add(_ mode: String, _ records: [SweepRecord]) {
            for size in Set(records.map(\.d)).sorted() {
                let group = records.filter { $0.d == size }
                let v = group.filter { $0.status == .ok }.map(\.finalTestAccuracy)
                let mean = v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
                let std = v.count < 2 ? nil : (v.map { ($0 - mean!) * ($0 - mean!) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
                out.append(Row(mode: mode, size: size, trainable: group.first?.trainableParameters ?? (mode == "subspace" ? size : nil),
                               runs: group.count, mean: mean, std: std))
            }
        }
        add("full", subspace.filter { $0.d == 0 })
        add("subspace", subspace.filter { $0.d != 0 })
        add("lora", lora.filter { $0.d != 0 })
        return out
    }

    /// The full fine-tunes' mean final accuracy.
    public var fullAccuracy: Double? { rows.first { $0.mode == "full" }?.mean }

    /// `experiment.csv`.
    public var csv: String {
        var t = CSVTable(columns: Self.columns)
        let full = fullAccuracy
        for r in rows {
            let size = r.mode == "full" ? (r.trainable ?? 0) : r.size
            t.append([.text(r.mode), .integer(size), r.trainable.map { .integer($0) } ?? .text(""), .integer(r.runs),
                      r.mean.map { .real($0) } ?? .text(""), r.std.map { .real($0) } ?? .text(""),
                      (r.mean.flatMap { m in full.map { m / $0 } }).map { .real($0) } ?? .text("")])
        }
        return t.text
    }

    /// The smallest size of `mode` whose mean reaches threshold × the full fine-tunes' mean.
    func int90(_ mode: String) -> Row? {
        guard let full = fullAccuracy else { return nil }
        return rows.filter { $0.mode == mode }.first { ($0.mean ?? -1) >= threshold * full }
    }

    /// The smallest subspace d reaching threshold × the full fine-tunes' mean.
    public var dInt90: Int? { int90("subspace")?.size }
    /// The smallest LoRA rank reaching it.
    public var rInt90: Int? { int90("lora")?.size }

    private struct Document: Encodable {
        let threshold: Double
        let base_accuracy_pretrain_task: Double
        let base_accuracy_target_task: Double
        let full_finetune_accuracy: Double?
        let d_int90: Int?
        let d_int90_trainable_parameters: Int?
        let r_int90: Int?
        let r_int90_trainable_parameters: Int?
        let layers: [Layer]
        let provenance: RunProvenance
    }

    /// `experiment.json`.
    public func json() throws -> String {
        let d = int90("subspace"), r = int90("lora")
        return try JSONReport.encode(Document(
            threshold: threshold, base_accuracy_pretrain_task: basePretrainAccuracy, base_accuracy_target_task: baseTaskAccuracy,
            full_finetune_accuracy: fullAccuracy, d_int90: d?.size, d_int90_trainable_parameters: d?.trainable,
            r_int90: r?.size, r_int90_trainable_parameters: r?.trainable, layers: layers, provenance: provenance))
    }

    /// Writes `experiment.json`, then `experiment.csv`, into `directory`.
    public func write(to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try AtomicFile.write(text: try json(), to: path("experiment.json"))
        try AtomicFile.write(text: csv, to: path("experiment.csv"))
    }
}
