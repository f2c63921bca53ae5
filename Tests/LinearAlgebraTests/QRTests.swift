import LinearAlgebra
import XCTest
import _TestSupport

final class QRTests: XCTestCase {
    func testColumnVector() throws {
        // [3, 4]ᵀ = q · r with |r| = 5 and q = ±[0.6, 0.8]ᵀ.
        let (q, r) = try QR.decompose(Matrix<Double>([[3], [4]]))
        assertClose(abs(r[0, 0]), 5, rtol: 1e-15, "|r|")
        assertClose(q[0, 0] * r[0, 0], 3, rtol: 1e-15, "q0 r")
        assertClose(q[1, 0] * r[0, 0], 4, rtol: 1e-15, "q1 r")
    }

    func testTallAndWide() throws {
        for (m, n) in [(6, 3), (3, 6)] {
            var a = Matrix<Double>(rows: m, cols: n)
            for i in 0..<m { for j in 0..<n { a[i, j] = cos(Double(i * n + j) * 0.7) + (i == j ? 2 : 0) } }
            let (q, r) = try! QR.decompose(a)
            let k = min(m, n)
            XCTAssertEqual(q.shape, [m, k])
            XCTAssertEqual(r.shape, [k, n])
            for i in 0..<k { for j in 0..<min(i, n) { XCTAssertEqual(r[i, j], 0, "R below diagonal") } }
            let qr = try! GEMM.multiply(q, r)
            for (x, y) in zip(qr.storage, a.storage) { assertClose(x, y, atol: 1e-13, "QR vs A") }
            let qtq = try! GEMM.multiply(q, q, transposeA: true)
            for i in 0..<k { for j in 0..<k { assertClose(qtq[i, j], i == j ? 1 : 0, atol: 1e-14, "QᵀQ") } }
        }
    }
}
