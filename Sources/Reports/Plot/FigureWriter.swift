import CheckpointIO
import Foundation

/// Draws the figures of an output folder of `rank`, `sweep`, `compare` or
/// `experiment finetune` as SVG files, with no other software.
///
/// Figures by folder kind (``OutputFolderKind``):
///
/// | kind | files |
/// |---|---|
/// | sweep | `accuracy_vs_d.svg` (a LoRA sweep: `accuracy_vs_rank.svg`) |
/// | rank | `spectra.svg` |
/// | compare | `spectra.svg` (when `spectra.csv` is there), `similarity_<tensor>.svg` per tensor |
/// | experiment | `accuracy_vs_parameters.svg`, plus the figures of each sweep sub-folder (`subspace/`, `lora/`), of `rank/seed0/` (else the lowest seed) and of every `compare/<name>/`, named with the sub-folder path, `/` replaced by `-`, as a prefix: `subspace-accuracy_vs_d.svg`, `rank-seed0-spectra.svg`, `compare-r8-seed0-similarity_fc1.weight.svg` |
///
/// Tensor names in file names keep letters, digits, `.`, `-` and `_`; other
/// characters become `_`. Spectra and similarity figures draw at most
/// ``Options/maxTensors`` tensors unless ``Options/tensors`` names them (see the
/// caption of each figure for the rule that chose them).
///
/// Every SVG carries its data: each panel is a `<g class="plot-area">` with its
/// axis transforms in `data-x-scale`, `data-x-domain`, `data-x-range` (and y), and
/// each mark has a `class` (`point`, `line`, `cell`, `reference`, `error-bar`)
/// and a `data-series`; see each figure's documentation.
public enum FigureWriter {
    /// Choices of what to draw.
    public struct Options: Sendable, Hashable {
        /// Tensors to draw in spectra and similarity figures (all must exist); nil to choose by ``maxTensors``.
        public var tensors: [String]?
        /// At most this many tensors per spectra figure and similarity figures per compare folder when
        /// ``tensors`` is nil: those with the largest ‖ΔW‖_F = √Σσᵢ² (ΔW_full in a compare folder).
        public var maxTensors: Int

        /// Options choosing `tensors` (nil: the `maxTensors` largest updates).
        public init(tensors: [String]? = nil, maxTensors: Int = 6) {
            self.tensors = tensors
            self.maxTensors = max(1, maxTensors)
        }
    }

    /// Draws the figures of `directory` into `figureDirectory` (default `<directory>/figures`,
    /// created if missing), each written atomically, and returns their paths in drawing order.
    ///
    /// Every figure is drawn in memory before the first file is written, so bad input leaves
    /// no figure behind; if a write fails, the figures this call wrote are removed.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError``, one line naming the file and the column,
    ///   key or tensor: a folder of no known kind, a missing or malformed CSV or JSON file,
    ///   an unknown tensor in ``Options/tensors``, or a file that cannot be written.
    @discardableResult
    public static func draw(directory: String, into figureDirectory: String? = nil,
                            options: Options = Options()) throws(CheckpointError) -> [String] {
        let figures = try render(directory: directory, options: options)
        let out = figureDirectory ?? (directory as NSString).appendingPathComponent("figures")
        try ReportDirectory.create(out)
        var written: [String] = []
        do {
            for f in figures {
                let path = (out as NSString).appendingPathComponent(f.name)
                try AtomicFile.write(text: f.svg, to: path)
                written.append(path)
            }
        } catch {
            for p in written { try? FileManager.default.removeItem(atPath: p) }
            throw error
        }
        return written
    }

    /// The figures of `directory`, drawn in memory (nothing is written).
    ///
    /// - Throws: as ``draw(directory:into:options:)``.
    public static func render(directory: String, options: Options = Options()) throws(CheckpointError) -> [RenderedFigure] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError(.unreadable, path: directory, "no such directory")
        }
        guard let kind = OutputFolderKind.detect(directory) else {
            throw CheckpointError(.unreadable, path: directory,
                                  "not an output folder of rank, sweep, compare or experiment (none of rank_summary.csv, sweep.csv, subspace_similarity.csv, experiment.csv)")
        }
        return try render(directory: directory, kind: kind, prefix: "", options: options)
    }

    private static func render(directory: String, kind: OutputFolderKind, prefix: String,
                               options: Options) throws(CheckpointError) -> [RenderedFigure] {
        let source = (directory as NSString).lastPathComponent
        switch kind {
        case .sweep:
            let data = try SweepData.load(directory)
            return [RenderedFigure(name: prefix + (data.isLoRA ? "accuracy_vs_rank.svg" : "accuracy_vs_d.svg"),
                                   svg: AccuracyVsSizeFigure.render(data, source: source))]
        case .rank:
            let spectra = try SpectraData.load(directory)
            return [try spectraFigure(spectra, name: prefix + "spectra.svg", source: source, options: options)]
        case .compare:
            var figures: [RenderedFigure] = []
            let spectraPath = (directory as NSString).appendingPathComponent("spectra.csv")
            let spectra = FileManager.default.fileExists(atPath: spectraPath) ? try SpectraData.load(directory) : nil
            if let spectra { figures.append(try spectraFigure(spectra, name: prefix + "spectra.svg", source: source, options: options)) }
            let similarity = try SimilarityData.load(directory)
            let chosen = try TensorSelection.choose(
                from: similarity.tensors, norms: spectra.map(norms) ?? [:], requested: options.tensors, limit: options.maxTensors,
                path: (directory as NSString).appendingPathComponent("subspace_similarity.csv"), normName: "‖ΔW_full‖_F")
            var used: Set<String> = []
            for t in chosen.tensors {
                var name = prefix + "similarity_" + TensorSelection.fileSafe(t)
                var k = 2
                while used.contains(name) { name = prefix + "similarity_" + TensorSelection.fileSafe(t) + "-\(k)"; k += 1 }
                used.insert(name)
                figures.append(RenderedFigure(name: name + ".svg", svg: SimilarityFigure.render(similarity, tensor: t, source: source)))
            }
            return figures
        case .experiment:
            let data = try ExperimentData.load(directory)
            var figures = [RenderedFigure(name: prefix + "accuracy_vs_parameters.svg", svg: AccuracyVsParametersFigure.render(data, source: source))]
            for sub in subfolders(directory, kind: .sweep) {
                figures += try render(directory: (directory as NSString).appendingPathComponent(sub), kind: .sweep,
                                      prefix: prefix + sub + "-", options: options)
            }
            let rankRoot = (directory as NSString).appendingPathComponent("rank")
            let seeds = subfolders(rankRoot, kind: .rank).sorted { seedNumber($0) < seedNumber($1) }
            if let seed = seeds.first {
                figures += try render(directory: (rankRoot as NSString).appendingPathComponent(seed), kind: .rank,
                                      prefix: prefix + "rank-" + seed + "-", options: options)
            }
            let compareRoot = (directory as NSString).appendingPathComponent("compare")
            for name in subfolders(compareRoot, kind: .compare) {
                figures += try render(directory: (compareRoot as NSString).appendingPathComponent(name), kind: .compare,
                                      prefix: prefix + "compare-" + name + "-", options: options)
            }
            return figures
        }
    }

    /// ‖ΔW‖_F = √Σσᵢ² per tensor, of the `full` spectrum when there is one, else of the first.
    private static func norms(_ spectra: SpectraData) -> [String: Double] {
        var out: [String: Double] = [:]
        for t in spectra.tensors {
            let s = spectra.series[t]!
            let pick = s.first { $0.source == "full" } ?? s[0]
            out[t] = pick.sigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        return out
    }

    private static func spectraFigure(_ spectra: SpectraData, name: String, source: String,
                                      options: Options) throws(CheckpointError) -> RenderedFigure {
        let chosen = try TensorSelection.choose(from: spectra.tensors, norms: norms(spectra), requested: options.tensors,
                                                limit: options.maxTensors, path: spectra.path,
                                                normName: spectra.series.values.contains { $0.contains { $0.source == "full" } } ? "‖ΔW_full‖_F" : "‖ΔW‖_F")
        return RenderedFigure(name: name, svg: SpectraFigure.render(spectra, tensors: chosen.tensors, selection: chosen.caption, source: source))
    }

    /// The immediate sub-folders of `directory` of the given kind, sorted by name.
    private static func subfolders(_ directory: String, kind: OutputFolderKind) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { OutputFolderKind.detect((directory as NSString).appendingPathComponent($0)) == kind }.sorted()
    }

    /// The number in `seed<k>` (large for other names, which sort last).
    private static func seedNumber(_ name: String) -> Int {
        name.hasPrefix("seed") ? Int(name.dropFirst(4)) ?? Int.max : Int.max
    }
}
