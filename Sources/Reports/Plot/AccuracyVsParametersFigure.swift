import Foundation

/// Figure 4: mean test accuracy (± one standard deviation over seeds) against
/// the number of trainable parameters, one colour and marker per fine-tuning
/// mode, on a log x axis, with a dashed line at threshold × the full fine-tune.
///
/// Marks (inside the `plot-area` group): per mode `m`, `polyline.line[data-series=m]`
/// through its means, a `point[data-series=m]` per size (`data-cx`, `data-cy`,
/// `data-size`), and `line.error-bar[data-series=m]` from mean − std (`y1`) to
/// mean + std (`y2`); the threshold line is `line.reference[data-series=target]`.
enum AccuracyVsParametersFigure {
    static let width = 480.0, height = 340.0

    /// The display name of a mode; `sizes` are the mode's sizes (for
    /// `extracted_energy`, the energy percentages it was run at).
    static func modeName(_ mode: String, sizes: [Int] = []) -> String {
        switch mode {
        case "full": return "full fine-tune"
        case "subspace": return "random subspace (d)"
        case "lora": return "LoRA (rank r)"
        case "extracted": return "ΔW_full truncated to rank r"
        case "extracted_energy":
            let percents = Array(Set(sizes)).sorted().map { "\($0) %" }
            return "ΔW_full at \(percents.isEmpty ? "fixed" : percents.joined(separator: ", ")) energy"
        default: return mode
        }
    }

    static func style(_ mode: String, _ k: Int) -> (color: String, marker: MarkerShape) {
        switch mode {
        case "full": return ("#000000", .square)
        case "subspace": return (Palette.color(0), .circle)
        case "lora": return (Palette.color(1), .triangle)
        default: return (Palette.color(2 + k), .diamond)
        }
    }

    static func render(_ data: ExperimentData, source: String) -> String {
        var doc = SVGDocument(width: width, height: height, title: "Test accuracy vs trainable parameters: \(source)")
        let plotLeft = 62.0, plotRight = width - 14, plotTop = 50.0, plotBottom = height - 46
        let ps = data.points.map(\.parameters)
        let lo = ps.min() ?? 1, hi = ps.max() ?? 10
        let pad = pow(10, max(0.1, 0.05 * log10(max(hi / lo, 1))))
        let x = AxisScale(.log, domain: lo / pad, hi * pad, range: plotLeft, plotRight)
        var ys = data.points.flatMap { [$0.mean - ($0.std ?? 0), $0.mean + ($0.std ?? 0)] }
        if let f = data.fullMean { ys.append(f * data.threshold) }
        let ylo = ys.min() ?? 0, yhi = ys.max() ?? 1
        let ypad = max(0.02, 0.04 * (yhi - ylo))
        var nice = AxisTicks.niceDomain(max(0, ylo - ypad), min(1, yhi + ypad), count: 5)
        if nice.upper <= nice.lower { nice = (max(0, nice.lower - 0.1), nice.lower + 0.1) }
        let y = AxisScale(.linear, domain: nice.lower, nice.upper, range: plotBottom, plotTop)
        let area = PlotArea(x: x, y: y)
        let n = SVGDocument.number

        doc.text("Test accuracy vs trainable parameters", x: width / 2, y: 18, size: 13, anchor: "middle", weight: "bold", [("class", "title")])
        doc.text("mean ± std over seeds per size; dashed: \(Int((data.threshold * 100).rounded())) % of the full fine-tune",
                 x: width / 2, y: 35, anchor: "middle", fill: "#444444", [("class", "caption")])
        area.drawAxes(&doc, xTitle: "trainable parameters (log scale)", yTitle: "test accuracy")
        area.open(&doc, "accuracy")
        var obstacles: [(Double, Double)] = []
        if let f = data.fullMean {
            let t = f * data.threshold
            let py = y.position(t)
            doc.line(plotLeft, py, plotRight, py, stroke: Palette.color(1), width: 1.2, dash: "6 3",
                     [("class", "reference"), ("data-series", "target"), ("data-value", "\(t)")])
            let label = "\(Int((data.threshold * 100).rounded())) % of full fine-tune: \(String(format: "%.3f", t))"
            let ty = py - 4 < plotTop + 10 ? py + 13 : py - 4
            doc.text(label, x: plotLeft + 5, y: ty, fill: Palette.color(1), [("class", "reference-label")])
            for f in stride(from: 0.0, through: 1.0, by: 0.1) { obstacles.append((plotLeft + 5 + SVGDocument.textWidth(label) * f, ty - 4)) }
        }
        var legend = Legend(entries: [])
        for (k, mode) in data.modes.enumerated() {
            let (color, marker) = style(mode, k - 3)
            let points = data.points.filter { $0.mode == mode }.sorted { $0.parameters < $1.parameters }
            let pts = points.map { (x.position($0.parameters), y.position($0.mean)) }
            doc.open("g", [("class", "series"), ("data-series", mode)])
            if pts.count > 1 {
                doc.element("polyline", [("class", "line"), ("data-series", mode), ("points", pts.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")),
                                         ("fill", "none"), ("stroke", color), ("stroke-width", "1.6")])
            }
            for (p, point) in zip(pts, points) {
                if let s = point.std, s > 0 {
                    let (y1, y2) = (y.position(point.mean - s), y.position(point.mean + s))
                    doc.line(p.0, y1, p.0, y2, stroke: color, width: 1.2, [("class", "error-bar"), ("data-series", mode)])
                    doc.line(p.0 - 3, y1, p.0 + 3, y1, stroke: color, width: 1.2, [("class", "error-cap")])
                    doc.line(p.0 - 3, y2, p.0 + 3, y2, stroke: color, width: 1.2, [("class", "error-cap")])
                }
                marker.draw(&doc, cx: p.0, cy: p.1, r: 3.4, fill: color, stroke: "white",
                            [("class", "point"), ("data-series", mode), ("data-size", "\(point.size)")])
                obstacles.append(p)
            }
            for k in pts.indices.dropFirst() {
                for f in stride(from: 0.2, to: 1, by: 0.2) { obstacles.append((pts[k - 1].0 + (pts[k].0 - pts[k - 1].0) * f, pts[k - 1].1 + (pts[k].1 - pts[k - 1].1) * f)) }
            }
            doc.close("g")
            legend.entries.append(.init(label: modeName(mode, sizes: points.map(\.size)), color: color, line: pts.count > 1, marker: marker))
        }
        area.close(&doc)
        let origin = legend.bestOrigin(in: area, avoiding: obstacles)
        legend.draw(&doc, x: origin.0, y: origin.1)
        return doc.text
    }
}
