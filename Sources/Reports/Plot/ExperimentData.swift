import CheckpointIO
import Foundation

/// What figure 4 needs from an experiment folder: `experiment.csv` rows and the threshold.
struct ExperimentData {
    /// One row: a mode at one size.
    struct Point { let mode: String; let size: Int; let parameters: Double; let mean: Double; let std: Double? }

    /// The rows with trainable parameters and a mean accuracy, in file order.
    let points: [Point]
    /// The modes in file order.
    let modes: [String]
    /// The fraction of the full fine-tune's accuracy that counts (`threshold` of `experiment.json`; 0.9 without it).
    let threshold: Double

    /// The mean accuracy of the `full` rows (nil without one).
    var fullMean: Double? {
        let f = points.filter { $0.mode == "full" }
        return f.isEmpty ? nil : f.map(\.mean).reduce(0, +) / Double(f.count)
    }

    /// Reads `experiment.csv` (and `experiment.json`, when present) in `directory`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file, line and column of a malformed cell.
    static func load(_ directory: String) throws(CheckpointError) -> ExperimentData {
        let path = (directory as NSString).appendingPathComponent("experiment.csv")
        let csv = try CSVTable.read(path)
        try csv.require(["mode", "size", "trainable_parameters", "mean_accuracy", "std_accuracy"])
        var points: [Point] = [], modes: [String] = []
        for r in csv.rows.indices {
            let mode = try csv.text(r, "mode")
            let size = try csv.integer(r, "size")
            let p = try csv.optionalDouble(r, "trainable_parameters")
            let mean = try csv.optionalDouble(r, "mean_accuracy"), std = try csv.optionalDouble(r, "std_accuracy")
            if let p, p > 0, p.isFinite, let mean, mean.isFinite {
                if !modes.contains(mode) { modes.append(mode) }
                points.append(Point(mode: mode, size: size, parameters: p, mean: mean, std: std.flatMap { $0.isFinite ? $0 : nil }))
            }
        }
        let jsonPath = (directory as NSString).appendingPathComponent("experiment.json")
        let threshold = FileManager.default.fileExists(atPath: jsonPath) ? try JSONFields(path: jsonPath).optionalDouble("threshold") ?? 0.9 : 0.9
        return ExperimentData(points: points, modes: modes, threshold: threshold)
    }
}
