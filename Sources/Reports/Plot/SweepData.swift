import CheckpointIO
import Foundation

/// What figure 1 needs from a sweep folder: its runs (`sweep.csv`) and its
/// 90 % points (`d_int90.json`).
struct SweepData {
    /// One run: size (d, or the rank r of a LoRA sweep; 0 for a full-training baseline), seed, accuracy.
    struct Run { let size: Int; let seed: String; let accuracy: Double }

    /// The ok runs with size > 0, in file order (in a sweep over learning rates, only each size's chosen rate).
    let runs: [Run]
    /// The ok full-training runs (size 0).
    let baselines: [Run]
    /// Runs whose status is not `ok` (not drawn).
    let failedRuns: Int
    /// `d`, or `rank` for a LoRA sweep.
    let sizeAxis: String
    /// `final` or `best`: which accuracy column counts.
    let accuracy: String
    let threshold: Double
    let absoluteBaseline: Double?
    let targetAccuracy: Double?
    let targetAccuracyAbsolute: Double?
    /// d_int90 (r_int90 of a LoRA sweep), nil when not reached.
    let int90: Int?
    let int90Absolute: Int?

    var isLoRA: Bool { sizeAxis == "rank" }

    /// Mean accuracy of the ok runs per size (size > 0), by increasing size.
    var means: [(size: Int, mean: Double)] {
        var sums: [Int: (total: Double, count: Int)] = [:]
        for r in runs { sums[r.size, default: (0, 0)].total += r.accuracy; sums[r.size]!.count += 1 }
        return sums.keys.sorted().map { size in (size, sums[size]!.total / Double(sums[size]!.count)) }
    }

    /// Mean accuracy of the ok baseline runs, nil without any.
    var baselineMean: Double? { baselines.isEmpty ? nil : baselines.map(\.accuracy).reduce(0, +) / Double(baselines.count) }

    /// The columns of `sweep.csv` that figure 1 reads.
    static let requiredColumns = ["d", "seed", "status", "best_test_accuracy", "final_test_accuracy"]

    /// Reads `sweep.csv` and `d_int90.json` in `directory`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file and the column, key or line
    ///   when a file is missing or malformed.
    static func load(_ directory: String) throws(CheckpointError) -> SweepData {
        let csvPath = (directory as NSString).appendingPathComponent("sweep.csv")
        let jsonPath = (directory as NSString).appendingPathComponent("d_int90.json")
        let csv = try CSVTable.read(csvPath)
        try csv.require(requiredColumns)
        let json = try JSONFields(path: jsonPath)
        let accuracy = try json.optionalString("accuracy") ?? "final"
        guard accuracy == "final" || accuracy == "best" else {
            throw CheckpointError(.invalidEntry, path: jsonPath, "key 'accuracy': expected \"final\" or \"best\", got \"\(accuracy)\"")
        }
        let column = accuracy == "final" ? "final_test_accuracy" : "best_test_accuracy"
        // A sweep over learning rates: each d is drawn at the rate d_int90.json chose for it.
        var chosenRate: [Int: Double] = [:]
        for dimension in try json.objects("dimensions") {
            if let d = dimension["d"] as? Int, let lr = dimension["lr"] as? Double { chosenRate[d] = lr }
        }
        let hasRates = csv.columns.contains("lr")
        var runs: [Run] = [], baselines: [Run] = []
        var failed = 0
        for r in csv.rows.indices {
            let d = try csv.integer(r, "d")
            guard d >= 0 else { throw CheckpointError(.invalidEntry, path: csvPath, "line \(csv.lines[r]): column 'd': negative size \(d)") }
            if hasRates, d > 0, let want = chosenRate[d], let lr = try csv.optionalDouble(r, "lr"), lr != want { continue }
            let status = try csv.text(r, "status")
            // Read both accuracies so a malformed cell is reported whichever one counts.
            let best = try csv.optionalDouble(r, "best_test_accuracy")
            let final = try csv.optionalDouble(r, "final_test_accuracy")
            guard status == "ok" else { failed += 1; continue }
            guard let a = (accuracy == "final" ? final : best), a.isFinite else {
                throw CheckpointError(.invalidEntry, path: csvPath, "line \(csv.lines[r]): column '\(column)': an ok run needs a finite accuracy")
            }
            let run = Run(size: d, seed: try csv.text(r, "seed"), accuracy: a)
            if d == 0 { baselines.append(run) } else { runs.append(run) }
        }
        let axis = try json.optionalString("size_axis") ?? "d"
        let int90Key = axis == "rank" ? "r_int90" : "d_int90"
        // A LoRA sweep's d_int90 counts ranks too; it stands in for an r_int90 that is absent.
        let int90 = try json.optionalInteger(int90Key), int90Absolute = try json.optionalInteger(int90Key + "_absolute")
        let dInt90 = try json.optionalInteger("d_int90"), dInt90Absolute = try json.optionalInteger("d_int90_absolute")
        return SweepData(
            runs: runs, baselines: baselines, failedRuns: failed, sizeAxis: axis, accuracy: accuracy,
            threshold: try json.optionalDouble("threshold") ?? 0.9,
            absoluteBaseline: try json.optionalDouble("absolute_baseline"),
            targetAccuracy: try json.optionalDouble("target_accuracy"),
            targetAccuracyAbsolute: try json.optionalDouble("target_accuracy_absolute"),
            int90: int90 ?? dInt90, int90Absolute: int90Absolute ?? dInt90Absolute)
    }
}
