/// The shape of a data point's marker. Every marker is written with
/// `data-cx`/`data-cy` (its centre in px), so any shape can be read back.
enum MarkerShape: CaseIterable {
    case circle, square, triangle, diamond

    /// The `k`-th shape (cycling).
    static func shape(_ k: Int) -> MarkerShape { allCases[k % allCases.count] }

    /// Appends the marker centred at (`cx`, `cy`) with radius about `r` px.
    func draw(_ doc: inout SVGDocument, cx: Double, cy: Double, r: Double, fill: String, stroke: String,
              _ attributes: [(String, String)]) {
        let n = SVGDocument.number
        let common: [(String, String)] = attributes + [("data-cx", n(cx)), ("data-cy", n(cy)), ("fill", fill), ("stroke", stroke),
                                                       ("stroke-width", "1")]
        switch self {
        case .circle:
            doc.element("circle", common + [("cx", n(cx)), ("cy", n(cy)), ("r", n(r))])
        case .square:
            let s = r * 0.9
            doc.element("rect", common + [("x", n(cx - s)), ("y", n(cy - s)), ("width", n(2 * s)), ("height", n(2 * s))])
        case .triangle:
            let s = r * 1.2
            doc.element("path", common + [("d", "M\(n(cx)) \(n(cy - s))L\(n(cx + s * 0.9)) \(n(cy + s * 0.6))L\(n(cx - s * 0.9)) \(n(cy + s * 0.6))Z")])
        case .diamond:
            let s = r * 1.25
            doc.element("path", common + [("d", "M\(n(cx)) \(n(cy - s))L\(n(cx + s)) \(n(cy))L\(n(cx)) \(n(cy + s))L\(n(cx - s)) \(n(cy))Z")])
        }
    }
}
