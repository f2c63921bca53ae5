import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads back an SVG written by the toolkit's figures, for tests: every element
/// with its attributes, its text, and the attributes of the `plot-area` group
/// around it. Axis transforms are re-implemented here (not taken from the
/// library), so a test checks the library against an independent inversion.
public struct SVGReader {
    /// One element of the document.
    public struct Element {
        public let name: String
        public let attributes: [String: String]
        /// The attributes of the innermost enclosing `<g class="plot-area">`, if any.
        public let plotArea: [String: String]?
        public internal(set) var text: String

        /// The `class` attribute.
        public var cssClass: String? { attributes["class"] }
        /// A numeric attribute.
        public func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
        /// The x axis of the enclosing plot area.
        public var xAxis: Axis? { plotArea.flatMap { Axis($0, "x") } }
        /// The y axis of the enclosing plot area.
        public var yAxis: Axis? { plotArea.flatMap { Axis($0, "y") } }
    }

    /// One axis transform parsed from `data-<axis>-scale`, `-domain`, `-range`.
    public struct Axis {
        public let log: Bool
        public let lower: Double, upper: Double, start: Double, end: Double

        init?(_ attributes: [String: String], _ axis: String) {
            guard let kind = attributes["data-\(axis)-scale"],
                  let d = attributes["data-\(axis)-domain"]?.split(separator: " ").compactMap({ Double(String($0)) }), d.count == 2,
                  let r = attributes["data-\(axis)-range"]?.split(separator: " ").compactMap({ Double(String($0)) }), r.count == 2
            else { return nil }
            log = kind == "log"
            (lower, upper, start, end) = (d[0], d[1], r[0], r[1])
        }

        /// The data value at pixel `px`.
        public func value(_ px: Double) -> Double {
            let f = (px - start) / (end - start)
            return log ? Foundation.exp(Foundation.log(lower) + f * (Foundation.log(upper) - Foundation.log(lower))) : lower + f * (upper - lower)
        }
    }

    /// Every element in document order.
    public let elements: [Element]

    /// Parses `svg`; throws when it is not well-formed XML.
    public init(svg: String) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            throw NSError(domain: "SVGReader", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "not well-formed XML: \(parser.parserError.map { String(describing: $0) } ?? "?") at line \(parser.lineNumber)"])
        }
        elements = delegate.elements
    }

    /// Parses the SVG file at `path`.
    public init(path: String) throws {
        try self.init(svg: String(contentsOfFile: path, encoding: .utf8))
    }

    /// Elements with `class` = `cssClass` (and `data-series` = `series` when given).
    public func marks(_ cssClass: String, series: String? = nil) -> [Element] {
        elements.filter { $0.cssClass == cssClass && (series == nil || $0.attributes["data-series"] == series) }
    }

    /// The plot-area groups.
    public var plotAreas: [Element] { elements.filter { $0.cssClass == "plot-area" } }

    /// The (x, y) pairs of a polyline's `points`.
    public static func points(_ e: Element) -> [(Double, Double)] {
        (e.attributes["points"] ?? "").split(separator: " ").compactMap { pair in
            let p = pair.split(separator: ",").compactMap { Double(String($0)) }
            return p.count == 2 ? (p[0], p[1]) : nil
        }
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var stack: [(index: Int, plotArea: [String: String]?)] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let inherited = stack.last?.plotArea
            elements.append(Element(name: name, attributes: attributes, plotArea: inherited, text: ""))
            stack.append((elements.count - 1, attributes["class"] == "plot-area" ? attributes : inherited))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let top = stack.last { elements[top.index].text += string }
        }
    }
}
