import LinearAlgebra
import XCTest

/// BLASThreads.releaseIdlePool: after the pool is stopped, a threaded product
/// restarts it and is still right (exactly, on integer-valued matrices).
final class BLASThreadsTests: XCTestCase {
    func testThreadedProductAfterReleasingThePool() throws {
        let saved = BLASThreads.count
        defer {
            BLASThreads.set(saved)
            BLASThreads.releaseIdlePool()
        }
        let n = 512
        var a = Matrix<Double>(rows: n, cols: n), b = Matrix<Double>(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { a[i, j] = Double((i + j) % 3); b[i, j] = Double((i * j) % 5) - 2 } }
        for round in 0..<3 {
            BLASThreads.set(2)
            BLASThreads.releaseIdlePool()
            XCTAssertEqual(BLASThreads.count, 2)
            let c = try GEMM.multiply(a, b)
            for i in [0, 1, 255, n - 1] {
                for j in 0..<n {
                    var s = 0.0
                    for k in 0..<n { s += a[i, k] * b[k, j] }
                    XCTAssertEqual(c[i, j], s, "round \(round), C[\(i), \(j)]")
                }
            }
        }
    }
}
