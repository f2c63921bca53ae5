import Dispatch
import Foundation
import LinearAlgebra

/// Runs one job per tensor on `jobs` threads, most expensive first (so the last
/// job to finish is a cheap one), each with single-threaded BLAS so that
/// results do not depend on `jobs`. Shared by ``RankAnalyzer``,
/// ``LoRAExtractor`` and ``LoRAComparer``.
///
/// A job can also split part of its work into independent parts through the
/// ``PartRunner`` it is handed: a worker that finds no tensor left to start
/// helps with the parts of a running job instead of going idle, so a lone
/// large tensor at the end of the queue uses every core. Which worker runs a
/// part never changes a result (see ``LinearAlgebra/SVD/tallSingularValues(destroying:rows:cols:runParts:checkingFinite:)``).
internal enum TensorJobs {
    /// Runs `part(0..<count)`, each index once, possibly on several threads,
    /// and returns when all have returned.
    typealias PartRunner = (_ count: Int, _ part: @escaping @Sendable (Int) -> Void) -> Void

    /// Calls `body(i)` for every i in `costs.indices` and returns the
    /// results in index order. `progress` is called after each job from a worker thread, with
    /// the time left estimated from the costs done and left.
    ///
    /// - Throws: the first error a job threw; jobs not yet started are not started.
    static func run<R: Sendable>(
        costs: [Double], jobs: Int, names: [String],
        progress: (@Sendable (RankAnalysisProgress) -> Void)?,
        _ body: @Sendable (Int) throws -> R
    ) throws -> [R] {
        try run(costs: costs, jobs: jobs, names: names, helpers: false, progress: progress) { i, _, _ in try body(i) }
    }

    /// ``run(costs:jobs:names:progress:_:)`` whose jobs get their worker's
    /// ``UpdateWorkspace`` (kept across its jobs) and a ``PartRunner``.
    /// With `helpers`, `jobs` workers start even when there are fewer tensors,
    /// the extra ones only helping with parts. With `singleThreadedBLAS`,
    /// OpenBLAS is held at one thread even for one worker, so that `jobs = 1`
    /// computes every tensor with the same calls as any other `jobs`
    /// (OpenBLAS's own threads split a product differently, and round differently).
    static func run<R: Sendable>(
        costs: [Double], jobs: Int, names: [String], helpers: Bool, singleThreadedBLAS: Bool = false,
        progress: (@Sendable (RankAnalysisProgress) -> Void)?,
        _ body: @Sendable (Int, UpdateWorkspace, PartRunner) throws -> R
    ) throws -> [R] {
        let start = DispatchTime.now()
        let elapsed: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let order = costs.indices.sorted { costs[$0] > costs[$1] }
        let totalCost = costs.reduce(0, +)
        let workers = costs.isEmpty ? 0 : helpers ? max(1, jobs) : min(max(1, jobs), costs.count)

        let shared = TensorJobState<R>(results: Array(repeating: nil, count: costs.count))
        let savedThreads = BLASThreads.count
        let pin = (workers > 1 || singleThreadedBLAS) && savedThreads != 1
        // No BLAS call runs before the workers start or after they end, so the
        // pool's idle threads can be stopped: they would spin, taking CPU from
        // the workers, and again after the restore, which restarts them.
        if pin {
            BLASThreads.set(1)
            BLASThreads.releaseIdlePool()
        }
        defer {
            if pin {
                BLASThreads.set(savedThreads)
                BLASThreads.releaseIdlePool()
            }
        }

        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let workspace = UpdateWorkspace()
            shared.lock.lock()
            defer { shared.lock.unlock() }
            while shared.error == nil {
                if let parts = shared.parts, parts.next < parts.count {
                    shared.runClaimedPart(of: parts)
                    continue
                }
                if shared.next < order.count {
                    let i = order[shared.next]
                    shared.next += 1
                    shared.running += 1
                    shared.lock.unlock()
                    let outcome = Result { try body(i, workspace, shared.runParts) }
                    shared.lock.lock()
                    shared.running -= 1
                    shared.lock.broadcast()
                    switch outcome {
                    case .success(let r):
                        shared.results[i] = r
                        shared.done += 1
                        shared.costDone += costs[i]
                        let t = elapsed()
                        let rate = shared.costDone > 0 ? t / shared.costDone : 0
                        let report = RankAnalysisProgress(done: shared.done, total: costs.count, lastTensor: names[i],
                                                          elapsed: t, estimatedRemaining: rate * (totalCost - shared.costDone))
                        if let progress {
                            shared.lock.unlock()
                            progress(report)
                            shared.lock.lock()
                        }
                    case .failure(let error):
                        if shared.error == nil { shared.error = error }
                    }
                    continue
                }
                // No tensor left to start: wait for parts to help with, or for the last job to end.
                if shared.running == 0 { return }
                shared.lock.wait()
            }
        }
        if let failure = shared.error { throw failure }
        return shared.results.compactMap { $0 }
    }
}

/// The shared bookkeeping of ``TensorJobs/run(costs:jobs:names:helpers:progress:_:)``:
/// every field is read and written with `lock` held; `lock` is signalled
/// whenever a job ends, parts are offered, or the last part of an offer ends.
internal final class TensorJobState<R>: @unchecked Sendable {
    let lock = NSCondition()
    var next = 0
    var done = 0
    var running = 0
    var costDone = 0.0
    var results: [R?]
    var error: (any Error)?
    /// The parts one running job offers to the other workers (one offer at a time).
    var parts: PartOffer?

    init(results: [R?]) { self.results = results }

    /// The ``TensorJobs/PartRunner`` handed to every job: offers the parts to
    /// idle workers (unless another job's offer is open, then runs them all
    /// itself) and runs parts on the calling thread until none is left to claim,
    /// then waits for the ones other workers claimed.
    func runParts(_ count: Int, _ part: @escaping @Sendable (Int) -> Void) {
        if count == 1 { return part(0) }
        lock.lock()
        defer { lock.unlock() }
        if parts != nil {
            lock.unlock()
            for i in 0..<count { part(i) }
            lock.lock()
            return
        }
        let offer = PartOffer(count: count, part: part)
        parts = offer
        lock.broadcast()
        while offer.next < count { runClaimedPart(of: offer) }
        while offer.finished < count { lock.wait() }
        parts = nil
    }

    /// Claims the next part of `offer` and runs it with `lock` released
    /// (called and returning with `lock` held).
    func runClaimedPart(of offer: PartOffer) {
        let i = offer.next
        offer.next += 1
        lock.unlock()
        offer.part(i)
        lock.lock()
        offer.finished += 1
        if offer.finished == offer.count { lock.broadcast() }
    }
}

/// Parts offered by a running job; fields guarded by the owning state's lock.
internal final class PartOffer: @unchecked Sendable {
    let count: Int
    let part: @Sendable (Int) -> Void
    var next = 0
    var finished = 0

    init(count: Int, part: @escaping @Sendable (Int) -> Void) {
        self.count = count
        self.part = part
    }
}
