/// Keeps labels from overlapping: positions along one axis are pushed apart to
/// at least `gap` px, in order, and kept within `lower...upper` when they fit.
enum LabelPlacement {
    /// The positions nearest to `wanted` (any order) that are at least `gap` apart,
    /// each kept within `lower...upper` when the labels fit there; returned in the order of `wanted`.
    static func spread(_ wanted: [Double], gap: Double, lower: Double, upper: Double) -> [Double] {
        let order = wanted.indices.sorted { wanted[$0] < wanted[$1] }
        var placed = order.map { min(max(wanted[$0], lower), upper) }
        for _ in 0..<50 {
            var moved = false
            for k in 1..<max(placed.count, 1) where placed[k] - placed[k - 1] < gap - 1e-9 {
                let mid = (placed[k] + placed[k - 1]) / 2
                placed[k - 1] = mid - gap / 2
                placed[k] = mid + gap / 2
                moved = true
            }
            if let first = placed.first, first < lower { placed = placed.map { $0 + (lower - first) }; moved = true }
            if let last = placed.last, last > upper, (placed.first ?? 0) - (last - upper) >= lower - 1e-9 {
                placed = placed.map { $0 - (last - upper) }; moved = true
            }
            if !moved { break }
        }
        var out = wanted
        for (k, i) in order.enumerated() { out[i] = placed[k] }
        return out
    }
}
