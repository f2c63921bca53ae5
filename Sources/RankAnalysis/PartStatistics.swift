import Foundation

/// The ΔW statistics of the parts of a tall update formed panel by panel
/// (``RankAnalyzer``'s tall path): each part adds its panels' statistics in
/// panel order, and the total adds the parts in part order, so the sums do
/// not depend on which thread ran which part.
internal final class PartStatistics: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [TensorPair.UpdateStatistics?]
    private var nonzero = false

    init(count: Int) { parts = Array(repeating: nil, count: count) }

    /// Adds one panel of part `part` (its panels in order), and whether it held a nonzero value.
    func add(_ s: TensorPair.UpdateStatistics, nonzero panelNonzero: Bool, part: Int) {
        lock.lock()
        defer { lock.unlock() }
        parts[part] = parts[part].map { $0 + s } ?? s
        nonzero = nonzero || panelNonzero
    }

    /// The statistics of the whole update, and whether any value was nonzero.
    var total: (TensorPair.UpdateStatistics, isZero: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let zero = TensorPair.UpdateStatistics(baseSumSquares: 0, sumSquaredULPBase: 0, sumSquaredULPTuned: 0)
        return (parts.compactMap { $0 }.reduce(zero, +), !nonzero)
    }
}
