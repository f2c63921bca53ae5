import CheckpointIO
import Foundation
import Projections
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
///   `projection.json` (the descriptor that rebuilds P: θ_D = θ_D⁰ + P·θ_d).
///
/// Every file is written to a temporary name and renamed.
public struct TrainingRunReport: Sendable {
    public let specification: RunSpecification
    public let layout: ParameterLayout
    public let projection: ProjectionDescriptor?
    public let provenance: RunProvenance

    public init(specification: RunSpecification, layout: ParameterLayout, projection: ProjectionDescriptor?,
                provenance: RunProvenance) {
        self.specification = specification
        self.layout = layout
        self.projection = projection
        self.provenance = provenance
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
            subspace_dimension: result.subspaceParameters?.count ?? layout.count, projection: projection,
            status: result.status, divergence: result.divergence, epochs_completed: result.epochs.count,
            best_test_accuracy: result.bestTestAccuracy, final_test_accuracy: result.finalTestAccuracy,
            final_test_loss: result.epochs.last?.testLoss, tensors: layout.entries, provenance: provenance))
    }

    /// Writes every file of the run; `run.json` last, so its presence marks a complete run.
    public func write(_ result: TrainingResult, to directory: String) throws {
        try ReportDirectory.create(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try writeMetrics(result.epochs, to: directory)
        try AtomicFile.write(ModelCheckpoint.serialize(result.parameters, layout: layout,
                                                       metadata: ["format": "pt", "model": specification.model.rawValue]),
                             to: path("model.safetensors"))
        if let thetaD = result.subspaceParameters, let projection {
            try AtomicFile.write(NPYWriter.serialize(float32: thetaD, shape: [thetaD.count]), to: path("theta_d.npy"))
            try AtomicFile.write(text: try JSONReport.encode(projection), to: path("projection.json"))
        }
        try AtomicFile.write(text: try json(result: result), to: path("run.json"))
    }
}
