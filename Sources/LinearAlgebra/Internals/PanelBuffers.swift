/// One panel buffer per part of a tall QR (``SVD/tallSingularValues(rows:cols:runParts:filling:)``),
/// allocated on the part's first panel and freed when the part ends, so only
/// the parts running at one time hold a buffer. Parts touch only their own
/// slot, so no lock is needed.
internal final class PanelBuffers<S>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UnsafeMutablePointer<S>?>

    init(count: Int) {
        slots = .allocate(capacity: max(1, count))
        slots.initialize(repeating: nil, count: max(1, count))
        self.count = count
    }

    private let count: Int

    deinit {
        for p in 0..<count { slots[p]?.deallocate() }
        slots.deallocate()
    }

    /// Part `part`'s buffer of `capacity` elements (allocated on first use; values unspecified).
    func buffer(_ part: Int, capacity: Int) -> UnsafeMutablePointer<S> {
        if let b = slots[part] { return b }
        let b = UnsafeMutablePointer<S>.allocate(capacity: capacity)
        slots[part] = b
        return b
    }

    /// Frees part `part`'s buffer.
    func release(_ part: Int) {
        slots[part]?.deallocate()
        slots[part] = nil
    }
}
