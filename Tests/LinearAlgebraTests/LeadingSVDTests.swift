import Foundation
import LinearAlgebra
import XCTest
import _TestSupport

/// ``SVD/leading(_:rank:)`` (Gram matrix + dsyevd) on matrices with a known spectrum.
final class LeadingSVDTests: XCTestCase {
    /// Q·diag(σ)·Pᵀ with Householder reflections Q = I − 2qqᵀ/‖q‖², P likewise: exactly
    /// orthogonal factors, so the singular values are σ (up to rounding of the product).
    func known(rows m: Int, cols n: Int, _ σ: [Double]) -> Matrix<Double> {
        func householder(_ d: Int, _ seed: Double) -> Matrix<Double> {
            let q = (0..<d).map { Foundation.sin(seed * Double($0 + 1)) + 0.1 }
            let norm2 = q.reduce(0) { $0 + $1 * $1 }
            var h = Matrix<Double>.identity(d)
            for i in 0..<d { for j in 0..<d { h[i, j] -= 2 * q[i] * q[j] / norm2 } }
            return h
        }
        var s = Matrix<Double>(rows: m, cols: n)
        for (i, v) in σ.enumerated() { s[i, i] = v }
        return try! GEMM.multiply(try! GEMM.multiply(householder(m, 1.7), s), householder(n, 0.3), transposeB: true)
    }

    func check(rows m: Int, cols n: Int, σ: [Double], rank r: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = known(rows: m, cols: n, σ)
        let p = try SVD.leading(a, rank: r)
        let total = σ.reduce(0) { $0 + $1 * $1 }
        XCTAssertEqual(p.singularValues.count, min(m, n), file: file, line: line)
        for (i, s) in σ.enumerated() { assertClose(p.singularValues[i], s, rtol: 1e-12, atol: 1e-7, "σ\(i + 1)", file: file, line: line) }
        assertClose(p.frobeniusNormSquared, total, rtol: 1e-13, "‖A‖²", file: file, line: line)
        let k = min(r, min(m, n))
        XCTAssertEqual(p.rank, k)
        for i in 0..<k { assertClose(p.leadingSingularValues[i], σ.count > i ? σ[i] : 0, rtol: 1e-13, atol: 1e-14, "lead σ\(i + 1)", file: file, line: line) }
        // The factors reproduce the best rank-k approximation, taken from gesdd's full SVD.
        let exact = try SVD.decompose(a).truncated(to: k).reconstructed()
        let approx = try GEMM.multiply(p.scaledLeft, p.vt)
        let err = zip(approx.storage, exact.storage).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(err, 1e-12, "‖B·A − A_k‖_max", file: file, line: line)
        // Eckart–Young: the tail energy fraction is Σ_{i>k} σ² / Σσ².
        assertClose(p.tailEnergyFraction, σ.dropFirst(k).reduce(0) { $0 + $1 * $1 } / total, rtol: 1e-10, atol: 1e-15,
                    "tail", file: file, line: line)
        // Orthonormal leading vectors (where σ > 0).
        let utu = try GEMM.multiply(p.u, p.u, transposeA: true), vvt = try GEMM.multiply(p.vt, p.vt, transposeB: true)
        for i in 0..<k where (σ.count > i ? σ[i] : 0) > 0 {
            for j in 0..<k where (σ.count > j ? σ[j] : 0) > 0 {
                XCTAssertEqual(utu[i, j], i == j ? 1 : 0, accuracy: 1e-12, file: file, line: line)
                XCTAssertEqual(vvt[i, j], i == j ? 1 : 0, accuracy: 1e-12, file: file, line: line)
            }
        }
    }

    func testTallWideAndSquare() throws {
        try check(rows: 12, cols: 5, σ: [5, 4, 2, 1, 0.5], rank: 3)
        try check(rows: 5, cols: 12, σ: [5, 4, 2, 1, 0.5], rank: 3)
        try check(rows: 7, cols: 7, σ: [3, 3, 1, 0.25, 0.125, 0.0625, 0.03125], rank: 4)  // a repeated σ
        try check(rows: 9, cols: 6, σ: [2, 1, 0.5, 0.25, 0.125, 0.0625], rank: 6)       // full rank: A itself
    }

    func testRankDeficientAndZero() throws {
        try check(rows: 10, cols: 6, σ: [2, 1, 0, 0, 0, 0], rank: 4)  // two exact-zero triplets kept
        let zero = try SVD.leading(Matrix<Double>(rows: 4, cols: 3), rank: 2)
        XCTAssertEqual(zero.singularValues, [0, 0, 0])
        XCTAssertEqual(zero.leadingSingularValues, [0, 0])
        XCTAssertEqual(try GEMM.multiply(zero.scaledLeft, zero.vt).storage, [Double](repeating: 0, count: 12))
        XCTAssertEqual(zero.tailEnergyFraction, 0)
    }

    func testRankChosenFromTheSpectrum() throws {
        let a = known(rows: 8, cols: 6, [4, 2, 1, 0.5, 0.25, 0.125])
        var seen: [Double] = []
        let p = try SVD.leading(a) { σ in seen = σ; return σ.filter { $0 > 0.75 }.count }
        XCTAssertEqual(p.rank, 3)
        XCTAssertEqual(seen.count, 6)
        XCTAssertThrowsError(try SVD.leading(Matrix<Double>([[1, .nan]]), rank: 1))
    }
}
