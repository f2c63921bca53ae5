/// The colours of the figures: the Okabe–Ito palette for categories (safe for
/// the common colour-vision deficiencies) and viridis for values in [0, 1]
/// (perceptually uniform, readable in grey scale).
enum Palette {
    /// Okabe & Ito (2008), in the order series take them: blue, vermillion,
    /// bluish green, reddish purple, orange, sky blue, black, yellow.
    static let categorical = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    /// Axes, frames and secondary text.
    static let axis = "#333333"
    /// Grid lines.
    static let grid = "#E6E6E6"
    /// Baselines drawn for reference.
    static let reference = "#555555"

    /// The `k`-th categorical colour (cycling).
    static func color(_ k: Int) -> String { categorical[((k % categorical.count) + categorical.count) % categorical.count] }

    /// viridis at 10 evenly spaced points (matplotlib's map, as R's `viridis(10)` lists it).
    static let viridisStops: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3E, 0x4A, 0x89), (0x31, 0x68, 0x8E), (0x26, 0x82, 0x8E),
        (0x1F, 0x9E, 0x89), (0x35, 0xB7, 0x79), (0x6D, 0xCD, 0x59), (0xB4, 0xDE, 0x2C), (0xFD, 0xE7, 0x25),
    ]

    /// viridis at `t` (clamped to [0, 1]; NaN gives grey), linear between the stops, as `#RRGGBB`.
    static func viridis(_ t: Double) -> String {
        guard !t.isNaN else { return "#BBBBBB" }
        let u = min(max(t, 0), 1) * Double(viridisStops.count - 1)
        let k = min(Int(u), viridisStops.count - 2)
        let f = u - Double(k)
        let (a, b) = (viridisStops[k], viridisStops[k + 1])
        func hex(_ x: Double, _ y: Double) -> String {
            let v = Int((x + (y - x) * f).rounded())
            let s = String(v, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + hex(a.0, b.0) + hex(a.1, b.1) + hex(a.2, b.2)
    }
}
