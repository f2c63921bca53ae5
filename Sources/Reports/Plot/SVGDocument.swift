import Foundation

/// An SVG 1.1 document built element by element, as text.
///
/// The root carries a `viewBox` of `width × height` user units (pixels at
/// 96 dpi: 480 px is 5 in, so a figure scaled into one 3.4 in column keeps an
/// 11 px font at about 7.8 pt) and a sans-serif font family that every text
/// inherits. Numbers are written with at most 6 decimals, which keeps the
/// marks' coordinates exact to 1e-6 px.
struct SVGDocument {
    /// The font stack of every text.
    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
    /// The width of the view box (px).
    let width: Double
    /// The height of the view box (px).
    let height: Double
    private var parts: [String] = []

    /// An empty document of `width × height` px whose `<title>` is `title`.
    init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        parts.append("<title>\(Self.escape(title))</title>")
        parts.append("<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"white\"/>")
    }

    /// The whole document, XML declaration first.
    var text: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"\(Self.fontFamily)\" font-size=\"11\">\n"
            + parts.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Text escaped for XML character data and attribute values (`&`, `<`, `>`, `"`, `'`);
    /// control characters other than tab and line feed, which XML 1.0 forbids, become U+FFFD.
    static func escape(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if c.value < 0x20 && c != "\t" && c != "\n" || c.value == 0xFFFE || c.value == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }

    /// `x` with at most 6 decimals and no trailing zeros (`12`, `3.25`, `-0.000001`).
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = String(format: "%.6f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// The attribute list ` name="value"…`, values escaped.
    static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// Appends `<tag attributes/>`.
    mutating func element(_ tag: String, _ attributes: [(String, String)]) {
        parts.append("<\(tag)\(Self.attributes(attributes))/>")
    }

    /// Appends `<tag attributes>` (close it with ``close(_:)``).
    mutating func open(_ tag: String, _ attributes: [(String, String)] = []) {
        parts.append("<\(tag)\(Self.attributes(attributes))>")
    }

    /// Appends `</tag>`.
    mutating func close(_ tag: String) { parts.append("</\(tag)>") }

    /// Appends a line segment.
    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil, _ extra: [(String, String)] = []) {
        var a: [(String, String)] = extra + [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
                                             ("stroke", stroke), ("stroke-width", Self.number(width))]
        if let dash { a.append(("stroke-dasharray", dash)) }
        element("line", a)
    }

    /// Appends a text element; `anchor` is `start`, `middle` or `end`, `rotate` degrees about (x, y).
    mutating func text(_ s: String, x: Double, y: Double, size: Double = 11, anchor: String = "start",
                       weight: String? = nil, fill: String = "#222222", rotate: Double? = nil, _ extra: [(String, String)] = []) {
        var a: [(String, String)] = extra + [("x", Self.number(x)), ("y", Self.number(y))]
        if size != 11 { a.append(("font-size", Self.number(size))) }
        if anchor != "start" { a.append(("text-anchor", anchor)) }
        if let weight { a.append(("font-weight", weight)) }
        a.append(("fill", fill))
        if let rotate { a.append(("transform", "rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))")) }
        parts.append("<text\(Self.attributes(a))>\(Self.escape(s))</text>")
    }

    /// The approximate advance width of `s` at font size `size` (DejaVu Sans averages about 0.58 em per character).
    static func textWidth(_ s: String, size: Double = 11) -> Double {
        Double(s.count) * 0.58 * size
    }

    /// `s` at font size `size`, or smaller (down to 11 px) and then shortened in the middle
    /// with "…", so that its estimated width is at most `maxWidth`.
    static func fitted(_ s: String, size: Double, maxWidth: Double) -> (text: String, size: Double) {
        var size = size
        while textWidth(s, size: size) > maxWidth && size > 11 { size -= 0.5 }
        if textWidth(s, size: size) <= maxWidth { return (s, size) }
        let keep = max(4, Int(maxWidth / (0.58 * size)) - 1)
        let head = s.prefix(keep / 2), tail = s.suffix(keep - keep / 2)
        return (head + "…" + tail, size)
    }
}
