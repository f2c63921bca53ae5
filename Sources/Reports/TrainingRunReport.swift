import Models
import CheckpointIO
import Foundation
import Projections
import LinearAlgebra
import Training

/// The files of one training run in its output directory:
///
/// - `metrics.csv`: `epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,seconds`,
///   one row per finished epoch (losses in nats, cross-entropy without the L2 term);
/// - `run.json`: the run's specification (every option and seed), D, d, the
///   projection's descriptor, status, best and final test accuracy, library
///   versions and provenance;
/// - `model.safetensors`: the full θ_D, F32, under PyTorch names and layouts
///   (`fc1.weight` out×in, `conv1.weight` out×in×kh×kw, …), so NumPy or
///   PyTorch reproduces the accuracy from it on `pixels / 255`;
/// - subspace runs also: `theta_d.npy` (float32, d values) and
///   `projection.json` (the descriptor that rebuilds P: θ_D = θ_D⁰ + P·θ_d);
/// - LoRA runs also: `adapter/`, a PEFT LoRA folder (F32 factors under the
///   model's module names `fc1`, `conv1`, …, ``CheckpointIO/LoRAAdapterWriter``)
///   that PEFT loads onto a PyTorch module with those names; `model.safetensors`
///   is then the merged W₀ + s·B·A, and `run.json` gives `trainable_parameters`
///   = Σ r·(in + out) over the targets.
///
/// Every file is written to a temporary name and renamed.
public struct TrainingRunReport: Sendable {
    /// Every option and seed of the run.
    public let specification: RunSpecification
    /// The model's tensors in θ_D (names, shapes, offsets), recorded in `run.json`.
    public let layout: ParameterLayout
    /// P's descriptor of a subspace run (written as `projection.json`), else `nil`.
    public let projection: ProjectionDescriptor?
    /// The LoRA map of a LoRA run.
    public let lora: LoRAMap?
    /// Where the run came from.
    public let provenance: RunProvenance

    /// A report of one run; nothing is written until ``write(_:to:)`` or ``writeMetrics(_:to:)``.
    public init(specification: RunSpecification, layout: ParameterLayout, projection: ProjectionDescriptor?,
                lora: LoRAMap? = nil, provenance: RunProvenance) {
        self.specification = specification
        self.layout = layout
        self.projection = projection
        self.lora = lora
        self.provenance = provenance
    }

    /// The PEFT adapter of a LoRA run's factors θ_lora (A then B per target, row-major).
    public func adapter(_ theta: [Float]) -> LoRAAdapterWriter? {
        guard let lora else { return nil }
        // A capped target (rank min(out, in) < r) keeps s through PEFT's patterns.
        var config = LoRAAdapterConfig.patterned(lora.targets.map { .init(path: $0.module, rank: $0.rank, alpha: lora.alpha(of: $0)) },
                                                 rank: lora.rank, alpha: lora.alpha)
        config.useRSLoRA = lora.useRSLoRA
        config.initLoRAWeights = specification.lora?.initialization == .gaussian ? "gaussian" : "true"
        config.baseModelNameOrPath = specification.initCheckpoint
        var writer = LoRAAdapterWriter(config: config, dtype: .f32)
        for t in lora.targets {
            let r = t.rank
            let a = theta[t.loraOffset..<(t.loraOffset + r * t.cols)].map(Double.init)
            let b = theta[(t.loraOffset + r * t.cols)..<(t.loraOffset + r * (t.cols + t.rows))].map(Double.init)
            writer.add(module: t.module, kind: t.shape.count > 2 ? .convolution : .linear,
                       b: Matrix(rows: t.rows, cols: r, storage: b), a: Matrix(rows: r, cols: t.cols, storage: a),
                       kernel: Array(t.shape.dropFirst()))
        }
        return writer
    }

    /// The columns of `metrics.csv`.
    public static let metricsColumns = ["epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"]

    /// `metrics.csv` for `records`.
    public static func metricsCSV(_ records: [EpochRecord]) -> String {
        var t = CSVTable(columns: metricsColumns)
        for r in records {
            t.append([.integer(r.epoch), .integer(r.step), .real(r.trainLoss), .real(r.trainAccuracy),
                      .real(r.testLoss), .real(r.testAccuracy), .real(r.seconds)])
        }
        return t.text
    }

    /// Rewrites `metrics.csv` (after each epoch, so a long run shows its progress).
    public func writeMetrics(_ records: [EpochRecord], to directory: String) throws {
        try ReportDirectory.create(directory)
        try AtomicFile.write(text: Self.metricsCSV(records), to: (directory as NSString).appendingPathComponent("metrics.csv"))
    }

    struct Summary: Encodable {
        let specification: RunSpecification
        let mode: String
        let full_dimension: Int
        let subspace_dimension: Int
        let trainable_parameters: Int
        let projection: ProjectionDescriptor?
        let status: RunStatus
        let divergence: String?
        let epochs_completed: Int
        let best_test_accuracy: Double
        let final_test_accuracy: Double
        let final_test_loss: Double?
        let tensors: [ParameterLayout.Entry]
        let provenance: RunProvenance
    }

    /// `run.json`'s text.
    public func json(result: TrainingResult) throws -> String {
        try JSONReport.encode(Summary(
            specification: specification, mode: specification.modeName, full_dimension: layout.count,
            subspace_dimension: result.subspaceParameters?.count ?? layout.count,
            trainable_parameters: result.subspaceParameters?.count ?? layout.count, projection: projection,
            status: result.status, divergence: result.divergence, epochs_completed: result.epochs.count,
            best_test_accuracy: result.bestTestAccuracy, final_test_accuracy: result.finalTestAccuracy,
            final_test_loss: result.epochs.last?.testLoss, tensors: layout.entries, provenance: provenance))
    }

    /// Writes every file of the run; `run.json` last, so its presence marks a complete run.
    public func write(_ result: TrainingResult, to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try writeMetrics(result.epochs, to: directory)
        try AtomicFile.write(try ModelCheckpoint.serialize(result.parameters, layout: layout,
                                                       metadata: ["format": "pt", "model": specification.model.rawValue]),
                             to: path("model.safetensors"))
        if let theta = result.subspaceParameters, let writer = adapter(theta) {
            try writer.write(to: path("adapter"))
        }
        if let thetaD = result.subspaceParameters, let projection {
            try AtomicFile.write(NPYWriter.serialize(float32: thetaD, shape: [thetaD.count]), to: path("theta_d.npy"))
            try AtomicFile.write(text: try JSONReport.encode(projection), to: path("projection.json"))
        }
        try AtomicFile.write(text: try json(result: result), to: path("run.json"))
    }
}
