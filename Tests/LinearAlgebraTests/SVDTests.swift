import LinearAlgebra
import XCTest
import _TestSupport

final class SVDTests: XCTestCase {
    func testDiagonalSingularValuesAreAbsoluteDiagonalSorted() throws {
        // diag(3, −2, 1, 0.5): σ = |dᵢ| sorted descending.
        var a = Matrix<Double>(rows: 4, cols: 4)
        for (i, d) in [3.0, -2.0, 1.0, 0.5].enumerated() { a[i, i] = d }
        XCTAssertEqual(try SVD.singularValues(of: a), [3, 2, 1, 0.5])
    }

    func testRankOneOuterProduct() throws {
        // u vᵀ has σ₁ = ‖u‖‖v‖ and all other σ zero (to rounding).
        let u: [Double] = [1, 2, 2]        // ‖u‖ = 3
        let v: [Double] = [3, 0, 4, 0, 0]  // ‖v‖ = 5
        var a = Matrix<Double>(rows: 3, cols: 5)
        for i in 0..<3 { for j in 0..<5 { a[i, j] = u[i] * v[j] } }
        let s = try SVD.singularValues(of: a)
        XCTAssertEqual(s.count, 3)
        assertClose(s[0], 15, rtol: 1e-14, "σ₁")
        XCTAssertLessThan(s[1], 1e-14)
        XCTAssertLessThan(s[2], 1e-14)
        // The transpose has the same singular values (wide vs tall path).
        let st = try SVD.singularValues(of: a.transposed())
        for (x, y) in zip(s, st) { assertClose(x, y, rtol: 1e-13, atol: 1e-14, "σ of Aᵀ") }
    }

    func testKnownTwoByTwo() throws {
        // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]], eigenvalues 45 and 5.
        let a = Matrix<Double>([[3, 0], [4, 5]])
        let s = try SVD.singularValues(of: a)
        assertClose(s[0], 45.0.squareRoot(), rtol: 1e-14, "σ₁")
        assertClose(s[1], 5.0.squareRoot(), rtol: 1e-14, "σ₂")
    }

    func testDecomposeReconstructsAndIsOrthonormal() throws {
        for (m, n) in [(7, 4), (4, 7), (5, 5)] {
            var a = Matrix<Double>(rows: m, cols: n)
            for i in 0..<m { for j in 0..<n { a[i, j] = sin(Double(3 * i + 7 * j + 1)) } }
            let d = try! SVD.decompose(a)
            let k = min(m, n)
            XCTAssertEqual(d.u.shape, [m, k])
            XCTAssertEqual(d.vt.shape, [k, n])
            let back = try! d.reconstructed()
            for (x, y) in zip(back.storage, a.storage) { assertClose(x, y, atol: 1e-13, "U·S·Vᵀ vs A \(m)×\(n)") }
            let utu = try! GEMM.multiply(d.u, d.u, transposeA: true)
            let vvt = try! GEMM.multiply(d.vt, d.vt, transposeB: true)
            for i in 0..<k {
                for j in 0..<k {
                    assertClose(utu[i, j], i == j ? 1 : 0, atol: 1e-13, "UᵀU[\(i),\(j)]")
                    assertClose(vvt[i, j], i == j ? 1 : 0, atol: 1e-13, "VᵀV[\(i),\(j)]")
                }
            }
            // Values agree with the values-only path.
            let s = try! SVD.singularValues(of: a)
            for (x, y) in zip(s, d.singularValues) { assertClose(x, y, rtol: 1e-13, "σ") }
        }
    }

    func testFloatPrecision() throws {
        let a = Matrix<Float>([[3, 0], [4, 5]])
        let s = try SVD.singularValues(of: a)
        XCTAssertEqual(s[0], Float(45).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(s[1], Float(5).squareRoot(), accuracy: 1e-5)
    }

    func testNonFiniteInputThrows() {
        var a = Matrix<Double>(rows: 2, cols: 3)
        a[1, 2] = .nan
        XCTAssertThrowsError(try SVD.singularValues(of: a)) { e in
            XCTAssertEqual((e as? LinearAlgebraError)?.code, .nonFinite)
            XCTAssertTrue("\(e)".contains("dgesdd"))
            XCTAssertTrue("\(e)".contains("2×3"))
        }
        a[1, 2] = .infinity
        XCTAssertThrowsError(try SVD.decompose(a))
    }

    func testEmptyMatrix() throws {
        XCTAssertEqual(try SVD.singularValues(of: Matrix<Double>(rows: 0, cols: 4)), [])
        let d = try SVD.decompose(Matrix<Double>(rows: 3, cols: 0))
        XCTAssertEqual(d.singularValues, [])
        XCTAssertEqual(d.u.shape, [3, 0])
    }

    func testTruncation() throws {
        var a = Matrix<Double>(rows: 3, cols: 3)
        for (i, d) in [5.0, 3.0, 1.0].enumerated() { a[i, i] = d }
        let t = try SVD.decompose(a).truncated(to: 2)
        XCTAssertEqual(t.singularValues, [5, 3])
        let r = try t.reconstructed()
        // Best rank-2 approximation of diag(5,3,1) is diag(5,3,0).
        assertClose(r[0, 0], 5, atol: 1e-14, "r00")
        assertClose(r[1, 1], 3, atol: 1e-14, "r11")
        assertClose(r[2, 2], 0, atol: 1e-14, "r22")
    }
}

final class SVDStorageOrderTests: XCTestCase {
    /// The same 3×2 matrix [[3, 0], [4, 5], [0, 0]] stored either way has
    /// singular values √45 and √5 (AᵀA = [[25, 20], [20, 25]]).
    func testBothOrdersGiveTheSameValues() throws {
        for (order, storage) in [(StorageOrder.rowMajor, [3.0, 0, 4, 5, 0, 0]),
                                 (StorageOrder.columnMajor, [3.0, 4, 0, 0, 5, 0])] {
            var buffer = storage
            let s = try buffer.withUnsafeMutableBufferPointer { p in
                try SVD.singularValues(destroying: p, rows: 3, cols: 2, order: order)
            }
            XCTAssertEqual(s.count, 2)
            assertClose(s[0], 45.0.squareRoot(), rtol: 1e-14, "\(order) σ₁")
            assertClose(s[1], 5.0.squareRoot(), rtol: 1e-14, "\(order) σ₂")
        }
    }
}
