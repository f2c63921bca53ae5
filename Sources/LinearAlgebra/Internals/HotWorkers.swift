import Dispatch
import Foundation
import Synchronization

/// Fork-join on threads that stay awake between jobs.
///
/// A training step is a chain of small products (a 128-row GEMM takes a
/// tenth of a millisecond); `DispatchQueue.concurrentPerform` parks its
/// workers between them, and waking one costs a futex round trip and a
/// context switch per product (`perf` put 13 % of a LoRA step in the
/// scheduler). These workers spin for a short while after each job before
/// they sleep, so back-to-back jobs start at once. Which thread runs which
/// part never changes a result: callers split work so that every part is
/// computed the same way on any thread.
///
/// One job runs at a time; a caller that finds the workers busy (a job from
/// another thread) falls back to `concurrentPerform`.
package enum HotWorkers {
    /// Calls `body(0..<parts)`, each index exactly once, the calling thread
    /// taking its share; returns when all have returned.
    package static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        nonisolated(unsafe) let work = body
        guard parts <= Pool.maxParts, let pool = Pool.shared, pool.acquire() else {
            DispatchQueue.concurrentPerform(iterations: parts) { work($0) }
            return
        }
        withoutActuallyEscaping(work) { escaping in pool.run(parts: parts, escaping) }
    }

    /// The workers (one fewer than the CPUs, at most 7; none on one CPU).
    final class Pool: @unchecked Sendable {
        static let maxParts = 0xFFFF
        static let shared: Pool? = {
            let n = min(ProcessInfo.processInfo.activeProcessorCount, 8) - 1
            return n >= 1 ? Pool(workers: n) : nil
        }()
        /// How long a worker spins after a job before it sleeps: longer than the serial stretch
        /// between two parallel products of a training step (optimizer, loss, merges), so the worker
        /// is awake for the next one; a worker that slept costs a futex wake-up and the caller ends
        /// up running every part itself.
        static let spinNanoseconds: UInt64 = 5_000_000

        /// job (bits 32–63) | parts (16–31) | next unclaimed part (0–15).
        private let state = Atomic<UInt64>(0)
        private let finished = Atomic<Int>(0)
        private let busy = Atomic<Bool>(false)
        private nonisolated(unsafe) var body: ((Int) -> Void)?
        private let lock = NSCondition()

        private init(workers: Int) {
            for i in 0..<workers {
                let t = Thread { [unowned self] in self.workerLoop() }
                t.name = "intrinsic-dim worker \(i + 1)"
                t.start()
            }
        }

        func acquire() -> Bool { busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }

        func run(parts: Int, _ job: @escaping (Int) -> Void) {
            body = job
            finished.store(0, ordering: .relaxed)
            let id = (state.load(ordering: .relaxed) >> 32) &+ 1
            state.store(id << 32 | UInt64(parts) << 16, ordering: .releasing)
            lock.lock()
            lock.broadcast()
            lock.unlock()
            drain()
            while finished.load(ordering: .acquiring) < parts { spinPause() }
            body = nil
            busy.store(false, ordering: .releasing)
        }

        /// Claims and runs parts of the current job until none is left.
        private func drain() {
            while true {
                var s = state.load(ordering: .acquiring)
                var claimed = false
                while s & 0xFFFF < (s >> 16) & 0xFFFF {
                    let (done, now) = state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
                    if done { claimed = true; break }
                    s = now
                }
                guard claimed else { return }
                // The job cannot end before this part is counted, so `body` is this job's.
                body!(Int(s & 0xFFFF))
                finished.add(1, ordering: .releasing)
            }
        }

        private func workerLoop() {
            var seen = state.load(ordering: .acquiring) >> 32
            while true {
                var spins = 0
                var deadline: UInt64 = 0
                while state.load(ordering: .acquiring) >> 32 == seen {
                    spins &+= 1
                    if spins & 1023 != 0 {
                        spinPause()
                        continue
                    }
                    let now = DispatchTime.now().uptimeNanoseconds
                    if deadline == 0 { deadline = now + Self.spinNanoseconds }
                    if now < deadline {
                        spinPause()
                    } else {
                        lock.lock()
                        while state.load(ordering: .acquiring) >> 32 == seen { lock.wait() }
                        lock.unlock()
                    }
                }
                seen = state.load(ordering: .acquiring) >> 32
                drain()
            }
        }
    }
}

/// One turn of a spin-wait (the loop's atomic load is the wait itself).
@inline(__always) private func spinPause() {}
