import Foundation
import LinearAlgebra
import XCTest
import _TestSupport

/// ``SVD/randomized(_:sketch:rank:powerIterations:threads:)`` against the exact SVD.
final class RandomizedSVDTests: XCTestCase {
    /// Standard normals from SplitMix64 + Box–Muller: a fixed, self-contained source
    /// (the library's Philox sketches are tested in RankAnalysisTests).
    func gaussian(rows: Int, cols: Int, seed: UInt64) -> Matrix<Double> {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) * 0x1p-53
        }
        var g = Matrix<Double>(rows: rows, cols: cols)
        for i in 0..<g.storage.count {
            g.storage[i] = (-2 * Foundation.log(next())).squareRoot() * Foundation.cos(2 * .pi * next())
        }
        return g
    }

    /// U·diag(σ)·Vᵀ with U, V the Q factors of Gaussian matrices.
    func known(rows m: Int, cols n: Int, _ σ: [Double], seed: UInt64 = 1) throws -> Matrix<Double> {
        let r = σ.count
        var u = try QR.decompose(gaussian(rows: m, cols: r, seed: seed)).q
        let v = try QR.decompose(gaussian(rows: n, cols: r, seed: seed + 1)).q
        for i in 0..<m { for j in 0..<r { u.storage[i * r + j] *= σ[j] } }
        return try GEMM.multiply(u, v, transposeB: true)
    }

    func testExactRankIsRecoveredToRounding() throws {
        for (m, n) in [(200, 120), (90, 300)] {
            let σ = [5.0, 3, 2, 1, 0.5]
            let a = try known(rows: m, cols: n, σ)
            for q in [0, 1, 2] {
                let svd = try SVD.randomized(a, sketch: gaussian(rows: n, cols: 15, seed: 7), rank: 8, powerIterations: q)
                XCTAssertEqual(svd.singularValues.count, 8)
                XCTAssertEqual(svd.u.shape, [m, 8])
                XCTAssertEqual(svd.vt.shape, [8, n])
                for (i, s) in σ.enumerated() { assertClose(svd.singularValues[i], s, rtol: 1e-10, "\(m)×\(n) q=\(q) σ\(i + 1)") }
                for s in svd.singularValues.dropFirst(5) { XCTAssertLessThan(s, 1e-13) }
                var diff = try svd.reconstructed()
                for k in 0..<diff.storage.count { diff.storage[k] -= a.storage[k] }
                XCTAssertLessThan(diff.frobeniusNorm / a.frobeniusNorm, 1e-10, "\(m)×\(n) q=\(q)")
            }
        }
    }

    func testOrthonormalFactorsAndEnergyIdentity() throws {
        // Geometric decay with a full-rank tail: ‖A − UΣVᵀ‖²_F = ‖A‖²_F − Σσ̂² (Pythagoras).
        let σ = (0..<60).map { Foundation.pow(0.8, Double($0)) }
        let a = try known(rows: 150, cols: 100, σ)
        let svd = try SVD.randomized(a, sketch: gaussian(rows: 100, cols: 20, seed: 3), rank: 10, powerIterations: 1)
        let utu = try GEMM.multiply(svd.u, svd.u, transposeA: true)
        let vvt = try GEMM.multiply(svd.vt, svd.vt, transposeB: true)
        for i in 0..<10 { for j in 0..<10 {
            assertClose(utu[i, j], i == j ? 1 : 0, atol: 1e-12, "UᵀU")
            assertClose(vvt[i, j], i == j ? 1 : 0, atol: 1e-12, "VᵀV")
        } }
        var diff = try svd.reconstructed()
        for k in 0..<diff.storage.count { diff.storage[k] -= a.storage[k] }
        let total = a.frobeniusNorm * a.frobeniusNorm
        let seen = svd.singularValues.reduce(0) { $0 + $1 * $1 }
        assertClose(diff.frobeniusNorm * diff.frobeniusNorm, total - seen, rtol: 1e-9, "residual energy")
        // σ̂ᵢ ≤ σᵢ, and within the table's q = 1 bound for this decay.
        for i in 0..<10 {
            XCTAssertLessThanOrEqual(svd.singularValues[i], σ[i] * (1 + 1e-12))
            assertClose(svd.singularValues[i], σ[i], rtol: 1e-2, "σ\(i + 1)")
        }
    }

    func testMorePowerIterationsAreMoreAccurateOnAFlatSpectrum() throws {
        let σ = (0..<80).map { 1 / (1 + 0.05 * Double($0)) }
        let a = try known(rows: 160, cols: 120, σ)
        let omega = gaussian(rows: 120, cols: 20, seed: 11)
        var errors: [Double] = []
        for q in [0, 1, 2] {
            let s = try SVD.randomized(a, sketch: omega, rank: 10, powerIterations: q).singularValues
            errors.append((0..<10).map { abs(s[$0] - σ[$0]) / σ[$0] }.max()!)
        }
        XCTAssertGreaterThan(errors[0], errors[1])
        XCTAssertGreaterThan(errors[1], errors[2])
    }

    // Bit identity is sound: the products run in fixed 64-row GEMM blocks on one OpenBLAS
    // thread each, so any thread count or pool size runs the same operations.
    func testBitIdenticalForOneAndTwoThreadsAndAnyBLASPool() throws {
        let σ = (0..<100).map { Foundation.pow(0.9, Double($0)) }
        let a = try known(rows: 700, cols: 300, σ)  // several 64-row GEMM blocks
        let omega = gaussian(rows: 300, cols: 26, seed: 5)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        var runs: [SingularValueDecomposition<Double>] = []
        for (pool, threads) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            BLASThreads.set(pool)
            runs.append(try SVD.randomized(a, sketch: omega, rank: 16, powerIterations: 2, threads: threads))
            XCTAssertEqual(BLASThreads.count, pool, "the pool is restored")
        }
        for r in runs.dropFirst() {
            XCTAssertEqual(r.singularValues, runs[0].singularValues)
            XCTAssertEqual(r.u, runs[0].u)
            XCTAssertEqual(r.vt, runs[0].vt)
        }
    }

    /// In Float the same algorithm gives the Float64 values to Float rounding: a
    /// relative error of a few ε_float·σ₁/σᵢ (here ≤ 2e-5 relative to σ₁), and it is
    /// bit-identical for one and two threads as in Float64.
    func testFloatMatchesDoubleToFloatRoundingAndIsThreadIndependent() throws {
        let σ = (0..<60).map { Foundation.pow(Double($0 + 1), -0.8) }
        let a = try known(rows: 500, cols: 200, σ)
        let omega = gaussian(rows: 200, cols: 26, seed: 9)
        let double = try SVD.randomized(a, sketch: omega, rank: 16, powerIterations: 2)
        var runs: [SingularValueDecomposition<Float>] = []
        for threads in [1, 2] {
            runs.append(try SVD.randomized(Matrix<Float>(converting: a), sketch: Matrix<Float>(converting: omega), rank: 16,
                                           powerIterations: 2, threads: threads))
        }
        XCTAssertEqual(runs[0].singularValues, runs[1].singularValues)
        XCTAssertEqual(runs[0].u, runs[1].u)
        let single = runs[0]
        XCTAssertEqual(single.singularValues.count, 16)
        XCTAssertEqual(single.u.rows, 500)
        XCTAssertEqual(single.vt.cols, 200)
        for i in 0..<16 {
            let got = Double(single.singularValues[i])
            XCTAssertEqual(got, double.singularValues[i], accuracy: 2e-5 * σ[0], "σ\(i + 1)")
            // and both against the known spectrum, to the method's error on this decay
            XCTAssertEqual(got, σ[i], accuracy: 1e-2 * σ[i], "σ\(i + 1) known")
        }
        // Float rounding, not a float-sized error everywhere: the top value agrees far better than 1e-3.
        XCTAssertLessThan(abs(Double(single.singularValues[0]) - double.singularValues[0]), 1e-5 * σ[0])
    }

    func testOperatorFormMatchesTheDenseForm() throws {
        let a = try known(rows: 80, cols: 60, (0..<30).map { 1 / Double($0 + 1) })
        let omega = gaussian(rows: 60, cols: 12, seed: 2)
        let dense = try SVD.randomized(a, sketch: omega, rank: 6, powerIterations: 1)
        let op = try SVD.randomized(rows: 80, cols: 60, sketch: omega, rank: 6, powerIterations: 1) { x, t in
            try GEMM.multiply(a, x, transposeA: t)
        }
        for i in 0..<6 { assertClose(op.singularValues[i], dense.singularValues[i], rtol: 1e-12, "σ\(i + 1)") }
    }

    func testShapesAndEdgeCases() throws {
        let a = try known(rows: 30, cols: 20, [2, 1])
        XCTAssertThrowsError(try SVD.randomized(a, sketch: gaussian(rows: 19, cols: 5, seed: 1), rank: 3)) { error in
            XCTAssertTrue(LinearAlgebraError.Code.dimensionMismatch ~= error)
        }
        var bad = a
        bad.storage[3] = .nan
        XCTAssertThrowsError(try SVD.randomized(bad, sketch: gaussian(rows: 20, cols: 5, seed: 1), rank: 3)) { error in
            XCTAssertTrue(LinearAlgebraError.Code.nonFinite ~= error)
        }
        // rank is clamped to the sketch width; a zero matrix gives zeros.
        XCTAssertEqual(try SVD.randomized(a, sketch: gaussian(rows: 20, cols: 4, seed: 1), rank: 9).singularValues.count, 4)
        let zero = try SVD.randomized(Matrix(rows: 30, cols: 20), sketch: gaussian(rows: 20, cols: 5, seed: 1), rank: 3)
        XCTAssertEqual(zero.singularValues, [0, 0, 0])
    }
}
