import Foundation

/// Which command wrote an output folder, told from the files in it.
public enum OutputFolderKind: String, Sendable, CaseIterable {
    /// `experiment finetune`: `experiment.csv`, with `subspace/`, `lora/`, `rank/seed<s>/`, `compare/<name>/` inside.
    case experiment
    /// `sweep`: `sweep.csv` and `d_int90.json`.
    case sweep
    /// `compare`: `subspace_similarity.csv` (and `compare_summary.csv`, `spectra.csv`).
    case compare
    /// `rank`: `rank_summary.csv` and `spectra.csv`.
    case rank

    /// The file whose presence marks the kind.
    public var markerFile: String {
        switch self {
        case .experiment: return "experiment.csv"
        case .sweep: return "sweep.csv"
        case .compare: return "subspace_similarity.csv"
        case .rank: return "rank_summary.csv"
        }
    }

    /// The kind of `directory`: the first of experiment, sweep, compare, rank whose
    /// ``markerFile`` is there; nil when none is (or `directory` is not a directory).
    public static func detect(_ directory: String) -> OutputFolderKind? {
        allCases.first { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0.markerFile)) }
    }
}
