import LinearAlgebra
import XCTest

final class GEMMTests: XCTestCase {
    let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])        // 2×3
    let b = Matrix<Double>([[7, 8], [9, 10], [11, 12]])   // 3×2

    func testProductByHand() throws {
        // [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]]
        XCTAssertEqual(try GEMM.multiply(a, b), Matrix([[58, 64], [139, 154]]))
    }

    func testTransposeFlags() throws {
        // Aᵀ·A (3×3) by hand: column inner products of A.
        let ata = try GEMM.multiply(a, a, transposeA: true)
        XCTAssertEqual(ata, Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        // A·Aᵀ (2×2).
        XCTAssertEqual(try GEMM.multiply(a, a, transposeB: true), Matrix([[14, 32], [32, 77]]))
        // Bᵀ·Aᵀ = (A·B)ᵀ.
        XCTAssertEqual(try GEMM.multiply(b, a, transposeA: true, transposeB: true), Matrix([[58, 139], [64, 154]]))
        XCTAssertEqual(try GEMM.multiply(a, b, alpha: 2), Matrix([[116, 128], [278, 308]]))
    }

    func testFloat() throws {
        let x = Matrix<Float>([[1, 2], [3, 4]])
        XCTAssertEqual(try GEMM.multiply(x, x), Matrix<Float>([[7, 10], [15, 22]]))
    }

    func testDimensionMismatchThrows() {
        XCTAssertThrowsError(try GEMM.multiply(a, a)) { e in
            XCTAssertEqual((e as? LinearAlgebraError)?.code, .dimensionMismatch)
        }
    }

    func testFrobeniusNormDoesNotOverflow() {
        let m = Matrix<Double>([[1e200, 1e200], [0, 0]])
        XCTAssertEqual(m.frobeniusNorm, 1e200 * 2.0.squareRoot(), accuracy: 1e186)
        XCTAssertEqual(Matrix<Double>([[3, 4]]).frobeniusNorm, 5)
        XCTAssertTrue(Matrix<Double>([[1, .nan]]).frobeniusNorm.isNaN)
    }
}

final class GEMVTests: XCTestCase {
    func testColumnMajorProductsByHand() {
        // A = [[1, 2, 3], [4, 5, 6]] stored column-major: 1, 4, 2, 5, 3, 6.
        let a: [Double] = [1, 4, 2, 5, 3, 6]
        var y = [Double](repeating: 9, count: 2)
        GEMV.columnMajor(transpose: false, m: 2, n: 3, alpha: 1, a: a, lda: 2, x: [1, 1, 1], beta: 0, y: &y)
        XCTAssertEqual(y, [6, 15])
        var z: [Double] = [1, 1, 1]
        GEMV.columnMajor(transpose: true, m: 2, n: 3, alpha: 2, a: a, lda: 2, x: [1, -1], beta: 1, y: &z)
        XCTAssertEqual(z, [-5.0, -5.0, -5.0])  // 1 + 2·(column · [1, −1]) = 1 + 2·(−3)
    }
}
