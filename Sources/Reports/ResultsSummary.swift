import CheckpointIO
import Foundation

/// `summary.md` of a results folder (what `make demo` writes, or any folder
/// holding outputs of the toolkit's commands): the findings in numbers, read
/// back from the parts' own files, with a link to every CSV, JSON and figure.
///
/// Each immediate sub-folder is recognised by its files:
/// - a sweep (`sweep.csv`, `d_int90.json`): d_int90 against both baselines and
///   the mean accuracy per size;
/// - a training run (`run.json`, `metrics.csv`): its final accuracy, set beside
///   the sweeps at the same d;
/// - a fine-tuning experiment (`experiment.json`, `experiment.csv`): d_int90,
///   r_int90, accuracy per trainable parameter, ΔW's energy ranks, φ between
///   adapters and the extractions;
/// - a rank analysis (`rank_summary.csv`) and a LoRA extraction (`extraction.csv`).
///
/// The first subspace sweep's `d_int90.json` is copied beside `summary.md`, so the
/// d_int90 the summary states can be checked against it.
public struct ResultsSummary: Sendable {
    /// What a sub-folder holds.
    public enum Part: Sendable, Equatable {
        /// `sweep` (or `sweep merge`) output: `sweep.csv`, `d_int90.json`.
        case sweep
        /// `train` output: `run.json`, `metrics.csv`.
        case trainingRun
        /// `experiment finetune` output: `experiment.json`, `experiment.csv`.
        case experiment
        /// `rank` output: `rank_summary.csv`.
        case rank
        /// `extract-lora` output: `extraction.csv`.
        case extraction
        /// `compare` output: `compare_summary.csv`.
        case comparison
    }

    /// The results folder.
    public let directory: String
    /// Its recognised sub-folders (names relative to ``directory``): sweeps, runs, experiments, rank
    /// analyses, extractions, comparisons, each kind sorted by name.
    public let parts: [(name: String, kind: Part)]
    /// Figures to link (paths relative to ``directory``), e.g. those `plot` wrote.
    public var figures: [String]

    /// Scans `directory`'s sub-folders.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` (`unreadable`) when `directory`
    ///   cannot be listed or holds no recognised part.
    public init(directory: String, figures: [String] = []) throws(CheckpointError) {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory).sorted() } catch {
            throw CheckpointError(.unreadable, path: directory, "cannot list the results folder (\(error.localizedDescription))")
        }
        var parts: [(String, Part)] = []
        for name in names {
            let dir = (directory as NSString).appendingPathComponent(name)
            if let kind = Self.kind(of: dir) { parts.append((name, kind)) }
        }
        // Sections in the story's order: from scratch, fine-tuning, then real checkpoints.
        let order: [Part] = [.sweep, .trainingRun, .experiment, .rank, .extraction, .comparison]
        parts.sort { (order.firstIndex(of: $0.1)!, $0.0) < (order.firstIndex(of: $1.1)!, $1.0) }
        guard !parts.isEmpty else {
            throw CheckpointError(.unreadable, path: directory, "holds no output folder of sweep, train, experiment, rank or extract-lora")
        }
        self.directory = directory
        self.parts = parts
        self.figures = figures
    }

    /// The kind of output folder `dir` is, from its files.
    public static func kind(of dir: String) -> Part? {
        let has = { (f: String) in FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(f)) }
        if has("experiment.json") && has("experiment.csv") { return .experiment }
        if has("sweep.csv") && has("d_int90.json") { return .sweep }
        if has("run.json") && has("metrics.csv") { return .trainingRun }
        if has("rank_summary.csv") { return .rank }
        if has("extraction.csv") { return .extraction }
        if has("compare_summary.csv") { return .comparison }
        return nil
    }

    func path(_ parts: String...) -> String { ([directory] + parts).joined(separator: "/") }

    /// `summary.md`.
    ///
    /// - Throws: the readers' errors, naming the file and field that is missing or malformed.
    public func markdown() throws -> String {
        var md = "# intrinsic-dim: results\n\n"
        md += "Written by `intrinsic-dim report` from the outputs in this folder; every number below is read from the linked files.\n\n"
        for (name, kind) in parts {
            switch kind {
            case .sweep: md += try sweepSection(name)
            case .experiment: md += try experimentSection(name)
            case .rank: md += try rankSection(name)
            case .extraction: md += try extractionSection(name)
            case .trainingRun, .comparison: break  // set beside the sweeps / experiments that own them
            }
        }
        md += try filesSection()
        return md
    }

    /// The sweep whose `d_int90.json` is copied beside `summary.md`: the first subspace sweep, else the first sweep.
    func dInt90Sweep() throws -> (name: String, kind: Part)? {
        let sweeps = parts.filter { $0.kind == .sweep }
        for s in sweeps where (try object(s.name + "/d_int90.json"))["size_axis"] as? String != "rank" { return s }
        return sweeps.first
    }

    /// Writes `summary.md` (and the first subspace sweep's `d_int90.json` beside it), atomically.
    ///
    /// - Returns: the paths written.
    public func write() throws -> [String] {
        var written: [String] = []
        if let sweep = try dInt90Sweep() {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path(sweep.name, "d_int90.json"))) } catch {
                throw CheckpointError(.unreadable, path: path(sweep.name, "d_int90.json"), "cannot read (\(error.localizedDescription))")
            }
            try AtomicFile.write(data, to: path("d_int90.json"))
            written.append(path("d_int90.json"))
        }
        try AtomicFile.write(text: try markdown(), to: path("summary.md"))
        written.append(path("summary.md"))
        return written
    }
}
