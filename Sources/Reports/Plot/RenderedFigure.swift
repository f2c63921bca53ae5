/// One figure drawn in memory: its file name (relative to the figure folder) and its SVG text.
public struct RenderedFigure: Sendable, Hashable {
    /// The file name, e.g. `accuracy_vs_d.svg` or `compare-r8-seed0-similarity_fc1.weight.svg`.
    public let name: String
    /// The whole SVG document (UTF-8 text).
    public let svg: String

    /// A figure named `name` with the document `svg`.
    public init(name: String, svg: String) {
        self.name = name
        self.svg = svg
    }
}
