import Dispatch
import LinearAlgebra
import Synchronization

/// Runs one job per tensor on `jobs` threads, most expensive first (so the last
/// job to finish is a cheap one), each with single-threaded BLAS so that
/// results do not depend on `jobs`. Shared by ``RankAnalyzer``,
/// ``LoRAExtractor`` and ``LoRAComparer``.
internal enum TensorJobs {
    /// Calls `body(i, &workspace)` for every i in `costs.indices` and returns the
    /// results in index order. Each worker keeps one `workspace` buffer across
    /// its jobs. `progress` is called after each job from a worker thread, with
    /// the time left estimated from the costs done and left.
    ///
    /// - Throws: the first error a job threw; jobs not yet started are not started.
    static func run<R: Sendable>(
        costs: [Double], jobs: Int, names: [String],
        progress: (@Sendable (RankAnalysisProgress) -> Void)?,
        _ body: @Sendable (Int, inout [Double]) throws -> R
    ) throws -> [R] {
        let start = DispatchTime.now()
        let elapsed: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let order = costs.indices.sorted { costs[$0] > costs[$1] }
        let totalCost = costs.reduce(0, +)
        let workers = min(max(1, jobs), max(1, costs.count))

        let state = Mutex(TensorJobState<R>(results: Array(repeating: nil, count: costs.count)))
        let savedThreads = BLASThreads.count
        if workers > 1 { BLASThreads.set(1) }
        defer { if workers > 1 { BLASThreads.set(savedThreads) } }

        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var workspace: [Double] = []
            while true {
                let slot: Int? = state.withLock { s in
                    guard s.error == nil, s.next < order.count else { return nil }
                    defer { s.next += 1 }
                    return order[s.next]
                }
                guard let i = slot else { return }
                do {
                    let r = try body(i, &workspace)
                    let report: RankAnalysisProgress = state.withLock { s in
                        s.results[i] = r
                        s.done += 1
                        s.costDone += costs[i]
                        let t = elapsed()
                        let rate = s.costDone > 0 ? t / s.costDone : 0
                        return RankAnalysisProgress(done: s.done, total: costs.count, lastTensor: names[i], elapsed: t,
                                                    estimatedRemaining: rate * (totalCost - s.costDone))
                    }
                    progress?(report)
                } catch {
                    state.withLock { s in if s.error == nil { s.error = error } }
                    return
                }
            }
        }
        let (results, failure): ([R], (any Error)?) = state.withLock { s in (s.results.compactMap { $0 }, s.error) }
        if let failure { throw failure }
        return results
    }
}

/// The shared bookkeeping of ``TensorJobs/run(costs:jobs:names:progress:_:)``, behind a mutex.
internal struct TensorJobState<R>: ~Copyable {
    var next = 0
    var done = 0
    var costDone = 0.0
    var results: [R?]
    var error: (any Error)?
}
