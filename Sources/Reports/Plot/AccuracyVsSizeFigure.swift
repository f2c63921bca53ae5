import Foundation

/// Figure 1: test accuracy against the subspace dimension d (or the LoRA rank r)
/// of a sweep, on a log x axis.
///
/// Marks (inside the `plot-area` group): every ok run as
/// `circle.point[data-series=run]` (with `data-seed`); the mean per size as
/// `polyline.line[data-series=mean]` and `circle.point[data-series=mean]`;
/// horizontal `line.reference` lines for the full-training mean
/// (`data-series=baseline`), threshold × that mean (`target`) and threshold ×
/// the absolute baseline (`target-absolute`), each with `data-value`; vertical
/// `line.reference` lines at d_int90 (`int90`) and d_int90 absolute
/// (`int90-absolute`). Full-training runs (d = 0) are not points on the x axis.
enum AccuracyVsSizeFigure {
    static let width = 480.0

    static func render(_ data: SweepData, source: String) -> String {
        let sizeName = data.isLoRA ? "LoRA rank r" : "subspace dimension d"
        let symbol = data.isLoRA ? "r_int90" : "d_int90"
        let pct = "\(Int((data.threshold * 100).rounded())) %"
        let runColor = Palette.color(5), meanColor = Palette.color(0)
        let n = SVGDocument.number

        // Horizontal references: values in the right margin (pushed apart), descriptions in the legend.
        var refs: [(series: String, value: Double, label: String, color: String, dash: String?)] = []
        if let b = data.baselineMean {
            refs.append(("baseline", b, "full training (mean of \(data.baselines.count))", Palette.reference, nil))
        }
        if let t = data.targetAccuracy {
            refs.append(("target", t, "\(pct) of full training", Palette.color(1), "6 3"))
        }
        if let t = data.targetAccuracyAbsolute {
            let base = data.absoluteBaseline.map { AxisTicks.linearLabel($0, step: $0 == $0.rounded() ? 1 : 0.001) } ?? "1"
            refs.append(("target-absolute", t, "\(pct) of accuracy \(base) (absolute)", "#000000", "2 2"))
        }
        var legend = Legend(entries: [
            .init(label: "run (one seed)", color: runColor, line: false, marker: .circle, markerFilled: false),
            .init(label: "mean over seeds", color: meanColor, marker: .circle),
        ])
        for r in refs { legend.entries.append(.init(label: r.label, color: r.color, dash: r.dash)) }

        let plotLeft = 62.0, plotRight = width - 46, plotTop = 62.0, plotBottom = 294.0
        let height = plotBottom + 44 + legend.gridHeight(available: width - 20) + 4
        var doc = SVGDocument(width: width, height: height, title: "Test accuracy vs \(sizeName): \(source)")
        let means = data.means
        let sizes = data.runs.map { Double($0.size) }
        let lo = sizes.min() ?? 1, hi = sizes.max() ?? 10
        let pad = pow(10, max(0.08, 0.06 * log10(max(hi / lo, 1))))
        let x = AxisScale(.log, domain: lo / pad, hi * pad, range: plotLeft, plotRight)
        var ys = data.runs.map(\.accuracy) + data.baselines.map(\.accuracy) + refs.map(\.value)
        if ys.isEmpty { ys = [0, 1] }
        let ylo = ys.min()!, yhi = ys.max()!
        let ypad = max(0.02, 0.04 * (yhi - ylo))
        var nice = AxisTicks.niceDomain(max(0, ylo - ypad), min(1, yhi + ypad), count: 5)
        if nice.upper <= nice.lower { nice = (max(0, nice.lower - 0.1), nice.lower + 0.1) }
        let y = AxisScale(.linear, domain: nice.lower, nice.upper, range: plotBottom, plotTop)
        let area = PlotArea(x: x, y: y)

        doc.text("Test accuracy vs \(sizeName)", x: width / 2, y: 18, size: 13, anchor: "middle", weight: "bold", [("class", "title")])
        let seeds = Set(data.runs.map(\.seed)).count
        var caption = "\(data.runs.count) runs (\(seeds) seed\(seeds == 1 ? "" : "s")), \(data.accuracy) accuracy; "
        caption += data.int90.map { "\(symbol) = \($0)" } ?? "\(symbol) not reached"
        if data.failedRuns > 0 { caption += "; \(data.failedRuns) diverged run\(data.failedRuns == 1 ? "" : "s") not shown" }
        doc.text(caption, x: width / 2, y: 35, anchor: "middle", fill: "#444444", [("class", "caption")])

        area.drawAxes(&doc, xTitle: "\(sizeName) (log scale)", yTitle: "test accuracy")
        area.open(&doc, "accuracy")
        let placed = LabelPlacement.spread(refs.map { y.position($0.value) + 3.8 }, gap: 12, lower: plotTop + 4, upper: plotBottom + 4)
        for (k, r) in refs.enumerated() {
            let py = y.position(r.value)
            doc.line(plotLeft, py, plotRight, py, stroke: r.color, width: 1.3, dash: r.dash,
                     [("class", "reference"), ("data-series", r.series), ("data-value", "\(r.value)")])
            doc.text(String(format: "%.3f", r.value), x: plotRight + 4, y: placed[k], fill: r.color == "#000000" ? "#222222" : r.color,
                     [("class", "reference-label"), ("data-series", r.series)])
        }

        // Vertical 90 % markers, labelled above the plot.
        var marks: [(series: String, value: Int, label: String, color: String, dash: String)] = []
        if let d = data.int90 {
            let same = data.int90Absolute == d
            marks.append(("int90", d, "\(symbol) = \(d)" + (same ? " (both baselines)" : ""), Palette.color(1), "6 3"))
        }
        if let d = data.int90Absolute, d != data.int90 { marks.append(("int90-absolute", d, "absolute: \(d)", "#000000", "2 2")) }
        let shown = marks.filter { x.contains(Double($0.value)) }
        let widest = shown.map { SVGDocument.textWidth($0.label) }.max() ?? 0
        let centres = LabelPlacement.spread(shown.map { x.position(Double($0.value)) }, gap: widest + 8,
                                            lower: plotLeft + widest / 2, upper: width - 4 - widest / 2)
        for (k, m) in shown.enumerated() {
            let px = x.position(Double(m.value))
            doc.line(px, plotTop, px, plotBottom, stroke: m.color, width: 1.3, dash: m.dash,
                     [("class", "reference"), ("data-series", m.series), ("data-value", "\(m.value)")])
            doc.text(m.label, x: centres[k], y: plotTop - 5, anchor: "middle", fill: m.color == "#000000" ? "#222222" : m.color,
                     [("class", "reference-label"), ("data-series", m.series)])
        }

        // Runs, then the mean line and its points.
        for r in data.runs {
            let (cx, cy) = (x.position(Double(r.size)), y.position(r.accuracy))
            doc.element("circle", [("class", "point"), ("data-series", "run"), ("data-seed", r.seed), ("cx", n(cx)), ("cy", n(cy)),
                                   ("r", "2.6"), ("fill", "none"), ("stroke", runColor), ("stroke-width", "1.1")])
        }
        let pts = means.map { (x.position(Double($0.size)), y.position($0.mean)) }
        doc.element("polyline", [("class", "line"), ("data-series", "mean"), ("points", pts.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")),
                                 ("fill", "none"), ("stroke", meanColor), ("stroke-width", "1.8")])
        for (k, p) in pts.enumerated() {
            doc.element("circle", [("class", "point"), ("data-series", "mean"), ("data-size", "\(means[k].size)"), ("cx", n(p.0)), ("cy", n(p.1)),
                                   ("r", "3.2"), ("fill", meanColor), ("stroke", "white"), ("stroke-width", "0.8")])
        }
        area.close(&doc)
        legend.drawGrid(&doc, x0: 10, x1: width - 10, y: plotBottom + 52)
        return doc.text
    }
}
