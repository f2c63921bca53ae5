import Foundation
import RankAnalysis

/// Figure 3: subspace similarity φ(i, j) = ‖U_iᵀ V_j‖²_F / min(i, j) as heatmaps in
/// the layout of the LoRA paper's Fig. 3 (Hu et al. 2021): i down, j across,
/// viridis colour for φ ∈ [0, 1] with a colour bar; one row per side (left,
/// right), one column per comparison in the file (`lora_full`, `lora_lora2`)
/// plus a random baseline: the `random` rows when the file has them, else the
/// chance level `phi_random_expected` = max(i, j)/d. Each panel prints its mean.
/// A caption line (`text.basis`, `data-basis` `delta` or `a`) names the adapters'
/// directions (``RankAnalysis/PhiBasis``): ΔW = s·B·A's singular vectors, or A's right
/// singular vectors as in the paper's eq. 4 (then only the right side is drawn); the
/// SVG's `<title>` says the same.
///
/// Marks: each panel is a `plot-area` group with `data-panel` `<side>|<comparison>`
/// (`expected` for the chance level) whose x domain is [0.5, columns + 0.5] and y
/// domain [0.5, rows + 0.5] (y range top → bottom); each cell is
/// `rect.cell[data-i][data-j][data-value]` centred on (j, i).
enum SimilarityFigure {
    static let width = 480.0

    static func columnTitle(_ comparison: String, basis: PhiBasis = .delta) -> String {
        switch comparison {
        case "lora_full": return basis == .a ? "A vs ΔW_full" : "ΔW_lora vs ΔW_full"
        case "lora_lora2": return basis == .a ? "A₁ vs A₂" : "adapter 1 vs adapter 2"
        case "random": return "random subspaces"
        case "expected": return "chance: max(i, j)/d"
        default: return comparison
        }
    }

    static func sideTitle(_ side: String) -> String {
        switch side {
        case "left": return "left singular vectors (output space)"
        case "right": return "right singular vectors (input space)"
        default: return side
        }
    }

    /// Integer ticks in 1…n for an axis of `length` px: 1, multiples of the smallest
    /// step in 1, 2, 4, 5, 8, 10, 16, 20, 32, 50, … that leaves `spacing` px (plus the
    /// widest label when `horizontal`), and n when it fits.
    static func integerTicks(_ n: Int, length: Double, spacing minimum: Double, horizontal: Bool) -> [Int] {
        let perCell = length / Double(max(n, 1))
        let spacing = horizontal ? SVGDocument.textWidth(String(n)) + minimum : minimum
        var steps = [1, 2, 4, 5, 8]
        var m = 10
        while m < 1_000_000 { steps += [m, 2 * m, 5 * m]; if m == 10 { steps += [16, 32, 64] }; m *= 10 }
        steps.sort()
        let step = steps.first { Double($0) * perCell >= spacing } ?? n
        var ticks = [1] + Array(stride(from: step, through: n, by: step)).filter { $0 > 1 && Double($0 - 1) * perCell >= spacing }
        if let last = ticks.last, last != n, Double(n - last) * perCell >= spacing { ticks.append(n) }
        return ticks
    }

    static func render(_ data: SimilarityData, tensor: String, source: String) -> String {
        let byKey = data.grids[tensor] ?? [:]
        let sides = ["left", "right"].filter { s in byKey.values.contains { $0.side == s } }
            + Set(byKey.values.map(\.side)).subtracting(["left", "right"]).sorted()
        let mainOrder = ["lora_full", "lora_lora2"]
        let mains = Set(byKey.values.map(\.comparison)).subtracting(["random", "expected"])
            .sorted { (mainOrder.firstIndex(of: $0) ?? 9, $0) < (mainOrder.firstIndex(of: $1) ?? 9, $1) }
        let hasRandom = byKey.values.contains { $0.comparison == "random" }
        let columns = mains + [hasRandom ? "random" : "expected"]
        // One compare run writes one basis; a file mixing them names both.
        let bases = PhiBasis.allCases.filter { b in byKey.values.contains { $0.basis == b } }
        let basis = bases.count == 1 ? bases[0] : .delta
        let basisText = bases.count == 1 ? bases[0].caption : bases.map(\.caption).joined(separator: " / ")

        let left = 50.0, barWidth = 12.0, right = width - 14 - 30 - barWidth - 12, gap = 30.0
        let panelWidth = (right - left - gap * Double(columns.count - 1)) / Double(columns.count)
        let maxRows = sides.flatMap { s in columns.compactMap { data.grid(tensor, s, $0)?.rows } }.max() ?? 1
        let panelHeight = min(110, max(36, 13 * Double(maxRows)))
        let rowBlock = 14 + 14 + panelHeight + 30 + 6
        let top0 = 83.0
        let height = top0 + rowBlock * Double(sides.count) + 4
        var doc = SVGDocument(width: width, height: height, title: "Subspace similarity φ(i, j) on \(basisText): \(tensor) (\(source))")
        let n = SVGDocument.number
        // A long tensor name drops the prefix before it is shortened (the caption defines φ).
        var title = SVGDocument.fitted("Subspace similarity φ(i, j): \(tensor)", size: 13, maxWidth: width - 16)
        if title.text.contains("…") { title = SVGDocument.fitted("φ(i, j): \(tensor)", size: 13, maxWidth: width - 16) }
        if title.text.contains("…") { title = SVGDocument.fitted(tensor, size: 13, maxWidth: width - 16) }
        doc.text(title.text, x: width / 2, y: 18, size: title.size, anchor: "middle", weight: "bold", [("class", "title")])
        let what = mains.first == "lora_full"
            ? (basis == .a ? "i: top-i directions of A, j: top-j of ΔW_full" : "i: top-i directions of ΔW_lora, j: top-j of ΔW_full")
            : "i: top-i directions of adapter 1, j: top-j of adapter 2"
        doc.text("φ = ‖U_iᵀV_j‖²_F / min(i, j); \(what)", x: width / 2, y: 35, anchor: "middle", fill: "#444444", [("class", "caption")])
        let basisLine = SVGDocument.fitted("adapter directions: \(basisText)", size: 11, maxWidth: width - 16)
        doc.text(basisLine.text, x: width / 2, y: 49, size: basisLine.size, anchor: "middle", fill: "#444444",
                 [("class", "basis"), ("data-basis", bases.map(\.rawValue).joined(separator: " "))])
        for (c, comparison) in columns.enumerated() {
            let cx = left + (panelWidth + gap) * Double(c) + panelWidth / 2
            doc.text(columnTitle(comparison, basis: basis), x: cx, y: 69, anchor: "middle", weight: "bold", [("class", "column-title")])
        }
        for (r, side) in sides.enumerated() {
            let rowTop = top0 + rowBlock * Double(r)
            doc.text(sideTitle(side), x: 8, y: rowTop + 11, fill: "#222222", [("class", "row-title")])
            let top = rowTop + 28
            for (c, comparison) in columns.enumerated() {
                let x0 = left + (panelWidth + gap) * Double(c)
                guard let grid = data.grid(tensor, side, comparison) else {
                    doc.text("(none)", x: x0 + panelWidth / 2, y: top + panelHeight / 2, anchor: "middle", fill: "#888888")
                    continue
                }
                let area = PlotArea(x: AxisScale(.linear, domain: 0.5, Double(grid.columns) + 0.5, range: x0, x0 + panelWidth),
                                    y: AxisScale(.linear, domain: 0.5, Double(grid.rows) + 0.5, range: top, top + panelHeight))
                let mean = grid.mean
                doc.text("mean \(comparison == "expected" ? "E φ" : "φ") = \(String(format: "%.3f", mean))", x: x0 + panelWidth / 2, y: top - 4,
                         anchor: "middle", fill: "#444444", [("class", "panel-mean"), ("data-value", "\(mean)")])
                area.open(&doc, side + "|" + comparison)
                let (cw, ch) = (panelWidth / Double(grid.columns), panelHeight / Double(grid.rows))
                doc.open("g", [("shape-rendering", "crispEdges")])
                for i in 1...grid.rows {
                    for j in 1...grid.columns {
                        let v = grid.value(i, j)
                        guard !v.isNaN else { continue }
                        doc.element("rect", [("class", "cell"), ("data-i", "\(i)"), ("data-j", "\(j)"), ("data-value", "\(v)"),
                                             ("x", n(area.x.position(Double(j) - 0.5))), ("y", n(area.y.position(Double(i) - 0.5))),
                                             ("width", n(cw)), ("height", n(ch)), ("fill", Palette.viridis(v))])
                    }
                }
                doc.close("g")
                area.close(&doc)
                let xt = integerTicks(grid.columns, length: panelWidth, spacing: 8, horizontal: true).map { PlotArea.Tick(value: Double($0), label: "\($0)") }
                let yt = integerTicks(grid.rows, length: panelHeight, spacing: 13, horizontal: false).map { PlotArea.Tick(value: Double($0), label: "\($0)") }
                area.drawAxes(&doc, xTitle: "j", yTitle: c == 0 ? "i" : "", xTicks: xt, yTicks: yt, grid: false)
                doc.element("rect", [("x", n(x0)), ("y", n(top)), ("width", n(panelWidth)), ("height", n(panelHeight)),
                                     ("fill", "none"), ("stroke", Palette.axis), ("stroke-width", "0.8")])
            }
        }
        // Colour bar beside the first row.
        let barX = right + 12, barTop = top0 + 28, barHeight = max(panelHeight, 80)
        doc.open("defs")
        doc.open("linearGradient", [("id", "viridis"), ("x1", "0"), ("y1", "1"), ("x2", "0"), ("y2", "0")])
        for k in 0..<Palette.viridisStops.count {
            let t = Double(k) / Double(Palette.viridisStops.count - 1)
            doc.element("stop", [("offset", n(t)), ("stop-color", Palette.viridis(t))])
        }
        doc.close("linearGradient")
        doc.close("defs")
        doc.open("g", [("class", "colorbar"), ("data-domain", "0 1"), ("data-range", "\(barTop + barHeight) \(barTop)")])
        doc.element("rect", [("x", n(barX)), ("y", n(barTop)), ("width", n(barWidth)), ("height", n(barHeight)),
                             ("fill", "url(#viridis)"), ("stroke", Palette.axis), ("stroke-width", "0.8")])
        for v in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let py = barTop + barHeight * (1 - v)
            doc.line(barX + barWidth, py, barX + barWidth + 3, py, stroke: Palette.axis)
            doc.text(AxisTicks.linearLabel(v, step: 0.25), x: barX + barWidth + 5, y: py + 3.8, [("class", "tick-label")])
        }
        doc.text("φ", x: barX + barWidth / 2, y: barTop - 6, anchor: "middle", [("class", "axis-title")])
        doc.close("g")
        return doc.text
    }
}
