/// A legend: one row per series with its line and/or marker, in a white box
/// placed in the corner of a panel that hides the fewest marks.
struct Legend {
    /// One row.
    struct Entry {
        let label: String
        let color: String
        var dash: String? = nil
        var line = true
        var marker: MarkerShape? = nil
        var markerFilled = true
    }

    var entries: [Entry]
    static let rowHeight = 15.0
    static let swatch = 22.0

    var width: Double { (entries.map { SVGDocument.textWidth($0.label) }.max() ?? 0) + Self.swatch + 16 }
    var height: Double { Double(entries.count) * Self.rowHeight + 8 }

    /// The top-left corner, inside `area` with a 6 px inset, among the four corners and the
    /// middle of the top and bottom edges, whose box covers the fewest of `obstacles` (px points).
    func bestOrigin(in area: PlotArea, avoiding obstacles: [(Double, Double)]) -> (Double, Double) {
        let inset = 6.0
        let (w, h) = (width, height)
        let xs = [area.right - inset - w, area.left + inset, (area.left + area.right - w) / 2]
        let ys = [area.bottom - inset - h, area.top + inset]
        var best = (xs[0], ys[0]), bestCount = Int.max
        for yy in ys {
            for xx in xs {
                let count = obstacles.filter { $0.0 >= xx - 4 && $0.0 <= xx + w + 4 && $0.1 >= yy - 4 && $0.1 <= yy + h + 4 }.count
                if count < bestCount { best = (xx, yy); bestCount = count }
            }
        }
        return best
    }

    /// Draws the legend with its top-left corner at (`x`, `y`).
    func draw(_ doc: inout SVGDocument, x: Double, y: Double) {
        let n = SVGDocument.number
        doc.open("g", [("class", "legend")])
        doc.element("rect", [("x", n(x)), ("y", n(y)), ("width", n(width)), ("height", n(height)), ("fill", "white"),
                             ("fill-opacity", "0.9"), ("stroke", "#BBBBBB"), ("stroke-width", "0.8"), ("rx", "2")])
        for (k, e) in entries.enumerated() {
            let cy = y + 4 + Self.rowHeight * (Double(k) + 0.5)
            let x0 = x + 6, x1 = x + 6 + Self.swatch
            if e.line { doc.line(x0, cy, x1, cy, stroke: e.color, width: 1.8, dash: e.dash) }
            if let m = e.marker {
                m.draw(&doc, cx: (x0 + x1) / 2, cy: cy, r: 3.2, fill: e.markerFilled ? e.color : "white", stroke: e.color,
                       [("class", "legend-marker")])
            }
            doc.text(e.label, x: x1 + 5, y: cy + 3.8, [("class", "legend-label")])
        }
        doc.close("g")
    }

    /// The advance of entry `k` in a boxless legend: swatch, gap, label, spacing.
    func entryWidth(_ k: Int) -> Double { Self.swatch + 5 + SVGDocument.textWidth(entries[k].label) + 16 }

    /// The column widths of the widest grid (entries filled row by row) that fits in `available` px.
    func gridColumnWidths(available: Double) -> [Double] {
        for c in stride(from: entries.count, through: 1, by: -1) {
            let widths = (0..<c).map { col in stride(from: col, to: entries.count, by: c).map(entryWidth).max() ?? 0 }
            if widths.reduce(0, +) - 16 <= available || c == 1 { return widths }
        }
        return []
    }

    /// The height of a grid legend within `available` px.
    func gridHeight(available: Double) -> Double {
        let c = max(1, gridColumnWidths(available: available).count)
        return Self.rowHeight * Double((entries.count + c - 1) / c)
    }

    /// Draws the entries without a box as a grid centred in `x0...x1`, filled row by row,
    /// the first row's centre line at `y`.
    func drawGrid(_ doc: inout SVGDocument, x0: Double, x1: Double, y: Double) {
        let widths = gridColumnWidths(available: x1 - x0)
        let c = max(1, widths.count)
        let start = (x0 + x1 - widths.reduce(0, +) + 16) / 2
        doc.open("g", [("class", "legend")])
        for (k, e) in entries.enumerated() {
            let x = start + widths.prefix(k % c).reduce(0, +)
            let cy = y + Self.rowHeight * Double(k / c)
            if e.line { doc.line(x, cy, x + Self.swatch, cy, stroke: e.color, width: 1.8, dash: e.dash) }
            if let m = e.marker {
                m.draw(&doc, cx: x + Self.swatch / 2, cy: cy, r: 3.2, fill: e.markerFilled ? e.color : "white", stroke: e.color,
                       [("class", "legend-marker")])
            }
            doc.text(e.label, x: x + Self.swatch + 5, y: cy + 3.8, [("class", "legend-label")])
        }
        doc.close("g")
    }
}
