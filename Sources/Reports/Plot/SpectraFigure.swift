import Foundation

/// Figure 2: singular-value spectra, one row per tensor: σᵢ against i (log y)
/// on the left, the cumulative energy Σ_{k≤i} σₖ² / Σσ² against i on the right
/// (linear 0–1, with the 0.9 level dashed). In a compare folder each row overlays
/// ΔW_full, ΔW_lora = s·B·A and the second adapter's ΔW_lora2.
///
/// Marks: each panel is a `plot-area` group with `data-panel` `sigma|<tensor>` or
/// `energy|<tensor>`; each spectrum is `polyline.line[data-series=<source>]`
/// (`delta` in a rank folder, else `full`, `lora`, `lora2`), plus
/// `circle.point` markers when it has at most 20 values. σ below 10⁻¹² σ₁ are
/// left out of the log panel.
enum SpectraFigure {
    static let width = 480.0
    static let panelHeight = 118.0

    static func seriesStyle(_ source: String) -> (label: String, short: String, color: String, dash: String?) {
        switch source {
        case "full": return ("ΔW_full (full fine-tune)", "ΔW_full", Palette.color(0), nil)
        case "lora": return ("ΔW_lora = s·B·A", "ΔW_lora", Palette.color(1), nil)
        case "lora2": return ("ΔW_lora2 (second adapter)", "ΔW_lora2", Palette.color(2), "5 2")
        case "delta": return ("ΔW = W_tuned − W_base", "ΔW", Palette.color(0), nil)
        default: return (source, source, Palette.color(3), nil)
        }
    }

    /// The σ axis of a row: decades around the values above 10⁻¹² σ₁ (nil when there are none).
    static func sigmaDomain(_ series: [SpectraData.Series]) -> (lower: Double, upper: Double, floor: Double) {
        let sigmaMax = series.flatMap(\.sigma).filter(\.isFinite).max() ?? 0
        let floor = sigmaMax * 1e-12
        let positive = series.flatMap(\.sigma).filter { $0 > floor && $0.isFinite }
        let lo = positive.min().map { pow(10, Foundation.floor(log10($0) + 1e-9)) } ?? 0.1
        var hi = positive.max().map { pow(10, ceil(log10($0) - 1e-9)) } ?? 1
        if hi <= lo { hi = lo * 10 }
        return (lo, hi, floor)
    }

    /// The figure for `tensors` (a subset of `data.tensors`, drawn in that order); `selection` says how they were chosen.
    static func render(_ data: SpectraData, tensors: [String], selection: String, source: String) -> String {
        let sources = tensors.flatMap { data.series[$0]!.map(\.source) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let showLegend = sources.count > 1
        let headerHeight = showLegend ? 66.0 : 50.0
        let rowHeight = 22 + panelHeight + 24
        let height = headerHeight + rowHeight * Double(tensors.count) + 20
        var doc = SVGDocument(width: width, height: height, title: "Singular-value spectra: \(source)")
        let title = sources.contains("full") || sources.contains("lora")
            ? "Singular-value spectra of " + sources.map { seriesStyle($0).short }.joined(separator: ", ")
            : "Singular-value spectra of ΔW"
        doc.text(title, x: width / 2, y: 18, size: 13, anchor: "middle", weight: "bold", [("class", "title")])
        doc.text(selection + "; energy(i) = (σ₁² + … + σᵢ²) / Σ σ²", x: width / 2, y: 35, anchor: "middle", fill: "#444444", [("class", "caption")])
        if showLegend {
            // One horizontal legend row under the caption.
            let items = sources.map { seriesStyle($0) }
            let widths = items.map { 22 + 5 + SVGDocument.textWidth($0.label) + 14 }
            var lx = (width - widths.reduce(0, +)) / 2
            doc.open("g", [("class", "legend")])
            for (k, it) in items.enumerated() {
                doc.line(lx, 50, lx + 22, 50, stroke: it.color, width: 1.8, dash: it.dash)
                doc.text(it.label, x: lx + 27, y: 53.8, [("class", "legend-label")])
                lx += widths[k]
            }
            doc.close("g")
        }
        let left = 62.0, gap = 64.0, right = width - 26
        let panelWidth = (right - left - gap) / 2
        let n = SVGDocument.number
        // One σ-axis notation for the whole figure; the σ title is shared by all rows when it fits
        // (at the far left, clear of the centred row titles), the energy title is per row.
        let plainSigma = tensors.allSatisfy { t in let d = sigmaDomain(data.series[t]!); return AxisTicks.plainLogLabels(d.lower, d.upper) }
        let rowsTop = headerHeight + 22, rowsBottom = headerHeight + rowHeight * Double(tensors.count) - 24
        let sigmaTitle = "singular value σᵢ (log scale)"
        let sharedTitles = rowsBottom - rowsTop >= SVGDocument.textWidth(sigmaTitle) + 10
        if sharedTitles {
            doc.text(sigmaTitle, x: 16, y: (rowsTop + rowsBottom) / 2, anchor: "middle", rotate: -90, [("class", "axis-title")])
        }
        let energyTitle = SVGDocument.textWidth("cumulative energy") <= panelHeight ? "cumulative energy" : "energy"
        for (row, tensor) in tensors.enumerated() {
            let series = data.series[tensor]!
            let top = headerHeight + rowHeight * Double(row) + 22
            let bottom = top + panelHeight
            let name = SVGDocument.fitted(tensor, size: 11, maxWidth: right - left)
            doc.text(name.text, x: (left + right) / 2, y: top - 10, anchor: "middle", weight: "bold", [("class", "panel-title")])
            let maxIndex = series.flatMap(\.index).max() ?? 1
            func xScale(_ x0: Double) -> AxisScale {
                maxIndex >= 30 ? AxisScale(.log, domain: 0.8, Double(maxIndex) * 1.25, range: x0, x0 + panelWidth)
                    : AxisScale(.linear, domain: 0.5, Double(maxIndex) + 0.5, range: x0, x0 + panelWidth)
            }
            let xTitle = maxIndex >= 30 ? "index i (log scale)" : "index i"
            let (ylo, yhi, floor) = sigmaDomain(series)
            let sigmaArea = PlotArea(x: xScale(left), y: AxisScale(.log, domain: ylo, yhi, range: bottom, top))
            let energyArea = PlotArea(x: xScale(left + panelWidth + gap), y: AxisScale(.linear, domain: 0, 1, range: bottom, top))
            let last = row == tensors.count - 1
            sigmaArea.drawAxes(&doc, xTitle: last ? xTitle : "", yTitle: sharedTitles ? "" : "σᵢ (log scale)",
                               yTicks: PlotArea.labelledTicks(sigmaArea.y, horizontal: false, plainLog: plainSigma))
            energyArea.drawAxes(&doc, xTitle: last ? xTitle : "", yTitle: energyTitle,
                                yTicks: [0, 0.5, 1].map { PlotArea.Tick(value: $0, label: AxisTicks.linearLabel($0, step: 0.5)) })
            for (area, panel) in [(sigmaArea, "sigma"), (energyArea, "energy")] {
                area.open(&doc, panel + "|" + tensor)
                if panel == "energy" {
                    let py = area.y.position(0.9)
                    doc.line(area.left, py, area.right, py, stroke: Palette.reference, width: 1, dash: "4 3",
                             [("class", "reference"), ("data-series", "energy-90"), ("data-value", "0.9")])
                    doc.text("0.9", x: area.right + 3, y: py + 3.8, fill: Palette.reference, [("class", "reference-label")])
                }
                for s in series {
                    let style = seriesStyle(s.source)
                    let values = panel == "sigma" ? s.sigma : s.energy
                    let pts = zip(s.index, values).filter { panel == "energy" || ($0.1 > floor && $0.1.isFinite) }
                        .map { (area.x.position(Double($0.0)), area.y.position($0.1)) }
                    doc.element("polyline", [("class", "line"), ("data-series", s.source), ("data-tensor", tensor),
                                             ("points", pts.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")),
                                             ("fill", "none"), ("stroke", style.color), ("stroke-width", "1.5")]
                                + (style.dash.map { [("stroke-dasharray", $0)] } ?? []))
                    if pts.count <= 20 {
                        for p in pts {
                            doc.element("circle", [("class", "point"), ("data-series", s.source), ("cx", n(p.0)), ("cy", n(p.1)), ("r", "2.4"),
                                                   ("fill", style.color), ("stroke", "white"), ("stroke-width", "0.6")])
                        }
                    }
                }
                area.close(&doc)
            }
        }
        return doc.text
    }
}
