import Dispatch
import LinearAlgebra
import Synchronization
import XCTest

/// The spinning fork-join under GEMM and the training loops: every part runs exactly once per job,
/// back-to-back jobs do not leak parts into each other, and callers on several threads at once
/// (one gets the workers, the others fall back) all finish.
final class HotWorkersTests: XCTestCase {
    func testEveryPartRunsExactlyOncePerJob() {
        let counts = Mutex([Int](repeating: 0, count: 64))
        for job in 0..<20_000 {
            let parts = 1 + job % 9
            HotWorkers.run(parts: parts) { i in counts.withLock { $0[i] += 1 } }
            if job % 997 == 0 { usleep(600) }  // now and then let the workers fall asleep
        }
        var expected = [Int](repeating: 0, count: 64)
        for job in 0..<20_000 { for i in 0..<(1 + job % 9) { expected[i] += 1 } }
        XCTAssertEqual(counts.withLock { $0 }, expected)
    }

    func testConcurrentCallersAllComplete() {
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<2_000 {
                HotWorkers.run(parts: 3) { _ in total.add(1, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 4 * 2_000 * 3)
    }

    func testZeroAndOnePart() {
        var calls: [Int] = []
        HotWorkers.run(parts: 0) { calls.append($0) }
        HotWorkers.run(parts: 1) { calls.append($0) }
        XCTAssertEqual(calls, [0])
    }
}
