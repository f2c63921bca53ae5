import Dispatch
import LinearAlgebra

/// Element-wise loops split into contiguous ranges over a few threads. Only
/// for work whose result per element does not depend on the split.
package enum ParallelChunks {
    /// The most parts a loop is split into.
    package static let maxParts = 8

    /// Calls `body(part, range)` on disjoint ranges covering 0..<count, on
    /// up to `threads` threads (one part when count is small); `part` is in
    /// `0..<maxParts`.
    package static func run(count: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        let parts = count >= 1 << 15 ? min(max(1, threads), maxParts) : 1
        if parts == 1 { body(0, 0..<count); return }
        nonisolated(unsafe) let work = body
        HotWorkers.run(parts: parts) { p in
            work(p, (count * p / parts)..<(count * (p + 1) / parts))
        }
    }
}
