import CheckpointIO
import Foundation
import RankAnalysis
import Reports
import Sweeps
import Training

/// The summary of `experiment finetune`: from one pretrained base, how many
/// parameters fine-tuning needs as a random subspace (d_int90), as LoRA
/// (r_int90), and as the energy rank of the full fine-tune's ΔW.
///
/// - `experiment.csv`: ``columns``, one row per mode and size: `full` (size D),
///   every subspace d and every LoRA rank r, then the ``Extraction``s
///   (`extracted` at each rank r, `extracted_energy` with size = the energy in
///   percent), with the trainable parameters (an extraction's: the mean over
///   seeds, rounded), the runs, the mean and sample standard deviation of the
///   final test accuracy over seeds, and `fraction_of_full` = mean / the full
///   fine-tunes' mean.
/// - `experiment.json`: the base's accuracy on the pretraining task and on the
///   target task, the full fine-tunes' mean, d_int90 and r_int90 (threshold ×
///   the full fine-tunes' mean) with their trainable parameters, and per layer
///   the energy rank at 90 % of ΔW_full (per seed) and the captured energy of
///   each LoRA rank (mean over seeds), the extractions seed by seed, plus the ``RunProvenance``.
public struct FineTuningExperimentReport: Sendable {
    /// The columns of `experiment.csv`.
    public static let columns = ["mode", "size", "trainable_parameters", "runs", "mean_accuracy", "std_accuracy", "fraction_of_full",
                                 "mean_macro_f1", "majority_test_accuracy"]

    /// One layer's rank findings.
    public struct Layer: Sendable, Encodable {
        /// The weight's name (`fc1.weight`).
        public let tensor: String
        /// energy_rank_90 of ΔW_full, seed by seed.
        public let fullEnergyRank90: [Int]
        /// LoRA rank (as text) → mean captured energy of ΔW_full over seeds.
        public let capturedEnergy: [String: Double]
        /// A layer's findings.
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

    /// LoRA factors extracted from the full fine-tunes' ΔW (truncated SVD, `extract-lora`), merged
    /// into the base and evaluated on the task: one per rule, over the seeds' full fine-tunes.
    public struct Extraction: Sendable, Encodable {
        /// `extracted` (every layer at rank `size`, capped at min(out, in)) or `extracted_energy`
        /// (each layer at the smallest rank keeping `size` % of its ΔW's energy).
        public let mode: String
        /// r, or the energy in percent.
        public let size: Int
        /// Σ r_t·(in + out) of the extracted factors, seed by seed.
        public let trainableParameters: [Int]
        /// Final test accuracy of base + the extracted ΔW on the task, seed by seed.
        public let accuracy: [Double]
        /// Tensor → its extracted rank, seed by seed.
        public let ranks: [String: [Int]]
        /// Test macro-F1 of the merged model, seed by seed (encoder experiments; `nil` for fc/lenet).
        public let macroF1: [Double]?
        /// An extraction's findings.
        public init(mode: String, size: Int, trainableParameters: [Int], accuracy: [Double], ranks: [String: [Int]],
                    macroF1: [Double]? = nil) {
            self.mode = mode
            self.size = size
            self.trainableParameters = trainableParameters
            self.accuracy = accuracy
            self.ranks = ranks
            self.macroF1 = macroF1
        }
        enum CodingKeys: String, CodingKey {
            case mode, size, accuracy, ranks
            case trainableParameters = "trainable_parameters", macroF1 = "macro_f1"
        }
        /// Encodes the keys of ``CodingKeys``; `macro_f1` only when present (encoder experiments).
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mode, forKey: .mode)
            try c.encode(size, forKey: .size)
            try c.encode(trainableParameters, forKey: .trainableParameters)
            try c.encode(accuracy, forKey: .accuracy)
            try c.encode(ranks, forKey: .ranks)
            try c.encodeIfPresent(macroF1, forKey: .macroF1)
        }
    }

    /// The subspace sweep's journal records (its full fine-tunes are the baselines, d = 0).
    public let subspace: [SweepRecord]
    /// The LoRA sweep's journal records (d = the rank; the same full fine-tunes as baselines).
    public let lora: [SweepRecord]
    /// The extractions, in the order of their rows.
    public let extractions: [Extraction]
    /// The fraction of the full fine-tunes' mean accuracy that d_int90 and r_int90 reach (0.9).
    public let threshold: Double
    /// The base's final test accuracy on the pretraining task (its `run.json`).
    public let basePretrainAccuracy: Double
    /// The base's test accuracy on the fine-tuning task, before fine-tuning.
    public let baseTaskAccuracy: Double
    /// Per adapted weight, in tensor order.
    public let layers: [Layer]
    /// The command, its options and inputs, timings.
    public let provenance: RunProvenance
    /// Encoder experiments: the accuracy of always answering the test set's most common label
    /// (`nil` for fc/lenet).
    public var majorityTestAccuracy: Double? = nil

    /// The summary of the parts' results.
    public init(subspace: [SweepRecord], lora: [SweepRecord], extractions: [Extraction] = [], threshold: Double,
                basePretrainAccuracy: Double, baseTaskAccuracy: Double, layers: [Layer], provenance: RunProvenance) {
        self.subspace = subspace
        self.lora = lora
        self.extractions = extractions
        self.threshold = threshold
        self.basePretrainAccuracy = basePretrainAccuracy
        self.baseTaskAccuracy = baseTaskAccuracy
        self.layers = layers
        self.provenance = provenance
    }

    struct Row {
        let mode: String, size: Int, trainable: Int?, runs: Int, mean: Double?, std: Double?
        var macroF1: Double? = nil
    }

    /// Each sweep's estimate (the computation behind its `d_int90.json`): per-size runs, mean and
    /// sample standard deviation of the ok runs' final accuracy, and the smallest size whose mean
    /// reaches threshold × the mean of its baselines. Both sweeps' baselines are the same full
    /// fine-tunes (`sweep --baseline-lr`), so both thresholds are the same.
    var estimates: (subspace: DInt90Estimate, lora: DInt90Estimate) {
        (DInt90Estimator.estimate(subspace, threshold: threshold, replicates: 0),
         DInt90Estimator.estimate(lora, threshold: threshold, replicates: 0))
    }

    var rows: [Row] {
        let (sub, lo) = estimates
        func rows(_ mode: String, _ estimate: DInt90Estimate, _ records: [SweepRecord], baseline: Bool) -> [Row] {
            estimate.dimensions.filter { ($0.d == 0) == baseline }.map { dim in
                Row(mode: mode, size: dim.d, trainable: records.first { $0.d == dim.d }?.trainableParameters ?? (mode == "subspace" ? dim.d : nil),
                    runs: dim.runs, mean: dim.meanAccuracy, std: dim.stdAccuracy, macroF1: dim.meanMacroF1)
            }
        }
        let extracted = extractions.map { e in
            let n = Double(e.accuracy.count), mean = e.accuracy.reduce(0, +) / n
            let std = e.accuracy.count > 1 ? (e.accuracy.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : nil
            let params = Int((Double(e.trainableParameters.reduce(0, +)) / Double(max(1, e.trainableParameters.count))).rounded())
            let f1 = e.macroF1.flatMap { $0.isEmpty ? nil : $0.reduce(0, +) / Double($0.count) }
            return Row(mode: e.mode, size: e.size, trainable: params, runs: e.accuracy.count, mean: e.accuracy.isEmpty ? nil : mean, std: std,
                       macroF1: f1)
        }
        return rows("full", sub, subspace, baseline: true) + rows("subspace", sub, subspace, baseline: false)
            + rows("lora", lo, lora, baseline: false) + extracted
    }

    /// The full fine-tunes' mean final accuracy.
    public var fullAccuracy: Double? { estimates.subspace.baselineAccuracy }

    /// `experiment.csv`.
    public var csv: String {
        var t = CSVTable(columns: Self.columns)
        let full = fullAccuracy
        for r in rows {
            let size = r.mode == "full" ? (r.trainable ?? 0) : r.size
            t.append([.text(r.mode), .integer(size), r.trainable.map { .integer($0) } ?? .text(""), .integer(r.runs),
                      r.mean.map { .real($0) } ?? .text(""), r.std.map { .real($0) } ?? .text(""),
                      (r.mean.flatMap { m in full.map { m / $0 } }).map { .real($0) } ?? .text(""),
                      r.macroF1.map { .real($0) } ?? .text(""), majorityTestAccuracy.map { .real($0) } ?? .text("")])
        }
        return t.text
    }

    /// The smallest subspace d reaching threshold × the full fine-tunes' mean.
    public var dInt90: Int? { estimates.subspace.dInt90 }
    /// The smallest LoRA rank reaching it.
    public var rInt90: Int? { estimates.lora.dInt90 }

    /// The trainable parameters of the runs of `records` at `size`.
    private func trainable(_ records: [SweepRecord], _ size: Int?) -> Int? {
        size.flatMap { d in records.first { $0.d == d }?.trainableParameters }
    }

    private struct Document: Encodable {
        let threshold: Double
        let base_accuracy_pretrain_task: Double?
        let base_accuracy_target_task: Double
        let full_finetune_accuracy: Double?
        let full_finetune_macro_f1: Double?
        let majority_test_accuracy: Double?
        let target_below_majority: Bool?
        let d_int90: Int?
        let d_int90_trainable_parameters: Int?
        let r_int90: Int?
        let r_int90_trainable_parameters: Int?
        let layers: [Layer]
        let extractions: [Extraction]
        let provenance: RunProvenance
    }

    /// `experiment.json`.
    public func json() throws -> String {
        let (d, r) = (dInt90, rInt90)
        return try JSONReport.encode(Document(
            threshold: threshold, base_accuracy_pretrain_task: basePretrainAccuracy.isNaN ? nil : basePretrainAccuracy,
            base_accuracy_target_task: baseTaskAccuracy, full_finetune_accuracy: fullAccuracy,
            full_finetune_macro_f1: majorityTestAccuracy == nil ? nil : estimates.subspace.dimensions.first { $0.d == 0 }?.meanMacroF1,
            majority_test_accuracy: majorityTestAccuracy,
            target_below_majority: majorityTestAccuracy.flatMap { floor in fullAccuracy.map { threshold * $0 <= floor } },
            d_int90: d, d_int90_trainable_parameters: trainable(subspace, d) ?? d,
            r_int90: r, r_int90_trainable_parameters: trainable(lora, r), layers: layers, extractions: extractions,
            provenance: provenance))
    }

    /// Writes `experiment.json`, then `experiment.csv`, into `directory`.
    public func write(to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try AtomicFile.write(text: try json(), to: path("experiment.json"))
        try AtomicFile.write(text: csv, to: path("experiment.csv"))
    }
}
