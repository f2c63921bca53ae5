import Foundation

/// One panel of a figure: a rectangle of the SVG with an x and a y
/// ``AxisScale``, its axes, ticks, labels and grid.
///
/// Its marks go inside `<g class="plot-area" data-x-scale=… data-x-domain="lo hi"
/// data-x-range="px0 px1" data-y-scale=… data-y-domain=… data-y-range=…>`,
/// opened by ``open(_:_:)`` and closed by ``close(_:)``, so a reader can map
/// any mark's pixel coordinates back to data.
struct PlotArea {
    let x: AxisScale
    let y: AxisScale

    var left: Double { min(x.rangeStart, x.rangeEnd) }
    var right: Double { max(x.rangeStart, x.rangeEnd) }
    var top: Double { min(y.rangeStart, y.rangeEnd) }
    var bottom: Double { max(y.rangeStart, y.rangeEnd) }

    /// Opens the panel's group; `name` is written as `data-panel`.
    func open(_ doc: inout SVGDocument, _ name: String) {
        doc.open("g", [("class", "plot-area"), ("data-panel", name),
                       ("data-x-scale", x.kind.rawValue), ("data-x-domain", x.domainText), ("data-x-range", x.rangeText),
                       ("data-y-scale", y.kind.rawValue), ("data-y-domain", y.domainText), ("data-y-range", y.rangeText)])
    }

    /// Closes the panel's group.
    func close(_ doc: inout SVGDocument) { doc.close("g") }

    /// A labelled tick.
    struct Tick { let value: Double; let label: String }

    /// The labelled ticks of `scale` along `length` px: the majors, then (log scales
    /// with plain labels) the 2× and 5× multiples, then (under 1.2 decades) 3×, 4×, 6×
    /// and 8×, each kept only where its label clears its neighbours by `gap` px.
    /// `horizontal` says whether labels sit side by side (x axis) or stack (y axis).
    /// `plainLog` forces plain (true) or power-of-ten (false) labels on a log scale.
    static func labelledTicks(_ scale: AxisScale, horizontal: Bool, count: Int = 5, gap: Double = 6, plainLog: Bool? = nil) -> [Tick] {
        let length = abs(scale.rangeEnd - scale.rangeStart)
        var candidates: [[Double]]
        var label: (Double) -> String
        switch scale.kind {
        case .linear:
            let ticks = scale.majorTicks(count: count)
            let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
            candidates = [ticks]
            label = { AxisTicks.linearLabel($0, step: step) }
        case .log:
            let plain = plainLog ?? AxisTicks.plainLogLabels(scale.lower, scale.upper)
            let maxDecades = max(2, Int(length / (horizontal ? 34 : 16)))
            candidates = [scale.majorTicks(maxDecades: maxDecades)]
            if plain && candidates[0].count == AxisTicks.decades(scale.lower, scale.upper, maxCount: 1000).count {
                candidates.append(AxisTicks.logMultiples(scale.lower, scale.upper, [2, 5]))
                if log10Span(scale) < 1.2 { candidates.append(AxisTicks.logMultiples(scale.lower, scale.upper, [3, 4, 6, 8])) }
            }
            label = { AxisTicks.logLabel($0, plain: plain) }
        }
        var placed: [(lo: Double, hi: Double, tick: Tick)] = []
        for group in candidates {
            for v in group where scale.contains(v) {
                let text = label(v)
                let p = scale.position(v)
                let half = horizontal ? SVGDocument.textWidth(text) / 2 : 6.5
                let span = (p - half - gap / 2, p + half + gap / 2)
                if placed.contains(where: { $0.lo < span.1 && span.0 < $0.hi }) { continue }
                placed.append((span.0, span.1, Tick(value: v, label: text)))
            }
        }
        return placed.map(\.tick).sorted { $0.value < $1.value }
    }

    static func log10Span(_ s: AxisScale) -> Double { s.kind == .log ? log10(s.upper / s.lower) : 0 }

    /// Unlabelled minor ticks of a log scale: 2…9 × each decade, when decades are at least 40 px apart.
    static func minorLogTicks(_ scale: AxisScale) -> [Double] {
        guard scale.kind == .log else { return [] }
        let perDecade = abs(scale.rangeEnd - scale.rangeStart) / max(log10Span(scale), 1e-9)
        guard perDecade >= 40 else { return [] }
        return AxisTicks.logMultiples(scale.lower, scale.upper, Array(2...9))
    }

    /// Draws the grid, the left and bottom axes with ticks and tick labels, and the axis
    /// titles. Empty titles, or `xTickLabels: false`, leave those out.
    func drawAxes(_ doc: inout SVGDocument, xTitle: String, yTitle: String, xTickLabels: Bool = true,
                  xTicks: [Tick]? = nil, yTicks: [Tick]? = nil, grid: Bool = true) {
        let xt = xTicks ?? Self.labelledTicks(x, horizontal: true)
        let yt = yTicks ?? Self.labelledTicks(y, horizontal: false)
        doc.open("g", [("class", "axes")])
        if grid {
            for t in xt { doc.line(x.position(t.value), top, x.position(t.value), bottom, stroke: Palette.grid, width: 0.8) }
            for t in yt { doc.line(left, y.position(t.value), right, y.position(t.value), stroke: Palette.grid, width: 0.8) }
        }
        doc.line(left, bottom, right, bottom, stroke: Palette.axis)
        doc.line(left, top, left, bottom, stroke: Palette.axis)
        for v in Self.minorLogTicks(x) where x.contains(v) {
            doc.line(x.position(v), bottom, x.position(v), bottom + 2.5, stroke: Palette.axis, width: 0.8)
        }
        for v in Self.minorLogTicks(y) where y.contains(v) {
            doc.line(left - 2.5, y.position(v), left, y.position(v), stroke: Palette.axis, width: 0.8)
        }
        for t in xt {
            let p = x.position(t.value)
            doc.line(p, bottom, p, bottom + 4, stroke: Palette.axis)
            if xTickLabels { doc.text(t.label, x: p, y: bottom + 15, anchor: "middle", [("class", "tick-label")]) }
        }
        var widest = 0.0
        for t in yt {
            let p = y.position(t.value)
            doc.line(left - 4, p, left, p, stroke: Palette.axis)
            doc.text(t.label, x: left - 6, y: p + 3.8, anchor: "end", [("class", "tick-label")])
            widest = max(widest, SVGDocument.textWidth(t.label))
        }
        if !xTitle.isEmpty {
            doc.text(xTitle, x: (left + right) / 2, y: bottom + (xTickLabels ? 30 : 16), anchor: "middle", [("class", "axis-title")])
        }
        if !yTitle.isEmpty {
            if yTitle.count <= 2 {
                doc.text(yTitle, x: left - widest - 10, y: (top + bottom) / 2 + 3.8, anchor: "end", [("class", "axis-title")])
            } else {
                doc.text(yTitle, x: left - widest - 12, y: (top + bottom) / 2, anchor: "middle", rotate: -90, [("class", "axis-title")])
            }
        }
        doc.close("g")
    }
}
