import RankAnalysis
import XCTest
import _TestSupport

/// Analytic cases of the metric definitions.
final class RankMetricsTests: XCTestCase {
    func metrics(_ σ: [Double], rows: Int = 4, cols: Int = 4, eps: Double = 0x1p-52, τ: Double = 0, base: Double = 1) -> RankMetrics {
        RankMetrics(singularValues: σ, rows: rows, cols: cols, epsilon: eps, noiseThreshold: τ, baseFrobeniusNorm: base)
    }

    func testRankOne() {
        let m = metrics([3, 0, 0, 0], base: 6)
        XCTAssertEqual(m.frobeniusNorm, 3)
        XCTAssertEqual(m.spectralNorm, 3)
        XCTAssertEqual(m.nuclearNorm, 3)
        XCTAssertEqual(m.stableRank, 1)
        XCTAssertEqual(m.entropyEffectiveRank, 1)
        XCTAssertEqual(m.numericalRank, 1)
        XCTAssertEqual([m.energyRank50, m.energyRank90, m.energyRank95, m.energyRank99], [1, 1, 1, 1])
        XCTAssertEqual(m.relativeUpdate, 0.5)
    }

    func testFlatSpectrum() {
        // Four equal σ: every effective rank is 4; energy fractions 0.25, 0.5, 0.75, 1.
        let m = metrics([2, 2, 2, 2])
        XCTAssertEqual(m.frobeniusNorm, 4)
        XCTAssertEqual(m.stableRank, 4)
        assertClose(m.entropyEffectiveRank, 4, rtol: 1e-15, "exp(ln 4)")
        XCTAssertEqual([m.energyRank50, m.energyRank90, m.energyRank95, m.energyRank99], [2, 4, 4, 4])
    }

    func testEnergyRankThresholdIsInclusive() {
        // σ² = [50, 40, 9, 1]: cumulative 50 %, 90 %, 99 %, 100 %.
        let σ = [50.0, 40, 9, 1].map { $0.squareRoot() }
        let m = metrics(σ)
        XCTAssertEqual([m.energyRank50, m.energyRank90, m.energyRank95, m.energyRank99], [1, 2, 3, 3])
        // Stable rank Σσ²/σ₁² = 100/50.
        assertClose(m.stableRank, 2, rtol: 1e-14, "stable rank")
    }

    func testEntropyRankOfTwoValues() {
        // p = (3/4, 1/4): H = −(¾ ln ¾ + ¼ ln ¼).
        let m = metrics([3, 1, 0])
        let h = -(0.75 * log(0.75) + 0.25 * log(0.25))
        assertClose(m.entropyEffectiveRank, exp(h), rtol: 1e-15, "entropy rank")
    }

    func testNumericalRankFollowsNumPyRule() {
        // Threshold σ₁·max(m,n)·ε = 1 · 10 · 2⁻²³ ≈ 1.19e-6.
        let m = metrics([1, 2e-6, 1e-6, 0], rows: 10, cols: 4, eps: 0x1p-23)
        XCTAssertEqual(m.numericalRank, 2)
        XCTAssertEqual(metrics([1, 2e-6, 1e-6, 0], rows: 10, cols: 4, eps: 0x1p-52).numericalRank, 3)
    }

    func testNoiseRankCountsAboveThreshold() {
        XCTAssertEqual(metrics([5, 1, 0.5, 0.1], τ: 0.5).noiseRank, 2, "strictly above τ")
        XCTAssertEqual(metrics([5, 1, 0.5, 0.1], τ: 0).noiseRank, 4)
    }

    func testZeroUpdateReportsZeros() {
        let m = metrics([0, 0, 0])
        XCTAssertEqual(m, RankMetrics(singularValues: [], rows: 0, cols: 0, epsilon: 1, noiseThreshold: 0, baseFrobeniusNorm: 0))
        XCTAssertEqual(m.stableRank, 0)
        XCTAssertEqual(m.entropyEffectiveRank, 0)
        XCTAssertEqual(m.relativeUpdate, 0)
        XCTAssertEqual(m.energyRank99, 0)
    }

    func testNonZeroUpdateOfZeroBaseIsInfinite() {
        XCTAssertEqual(metrics([1], base: 0).relativeUpdate, .infinity)
    }

    func testNoiseFloorFormula() {
        // 4×9 matrix, every stored value with ulp 2⁻⁸ on both sides:
        // τ = (2 + 3)·√(2·2⁻¹⁶/12).
        let n = 36.0
        let τ = NoiseFloor.threshold(rows: 4, cols: 9, sumSquaredULPBase: n * 0x1p-16, sumSquaredULPTuned: n * 0x1p-16)
        assertClose(τ, 5 * (2 * 0x1p-16 / 12).squareRoot(), rtol: 1e-15, "τ")
        XCTAssertEqual(NoiseFloor.threshold(rows: 0, cols: 5, sumSquaredULPBase: 0, sumSquaredULPTuned: 0), 0)
    }
}
