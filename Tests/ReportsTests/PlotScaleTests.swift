import Reports
import XCTest
import _TestSupport

/// Scales and ticks of the SVG figures, on analytic cases.
final class PlotScaleTests: XCTestCase {
    func testLogDecadesAndMultiples() {
        XCTAssertEqual(AxisTicks.decades(30, 3000), [100, 1000])
        XCTAssertEqual(AxisTicks.decades(1, 1000), [1, 10, 100, 1000])
        XCTAssertEqual(AxisTicks.decades(0.002, 0.5), [0.01, 0.1])
        XCTAssertEqual(AxisTicks.decades(40, 90), [])
        XCTAssertEqual(AxisTicks.logMultiples(30, 3000, [2, 5]), [50, 200, 500, 2000])
        // Twelve decades with at most four labels: every third power, 10⁰ kept.
        XCTAssertEqual(AxisTicks.decades(1e-9, 100, maxCount: 4), [1e-9, 1e-6, 1e-3, 1])
    }

    func testLinearTicksAreTheNearestDoublesOfNiceDecimals() {
        XCTAssertEqual(AxisTicks.linear(0, 1, count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(AxisTicks.linear(0.13, 0.98, count: 5), [0.2, 0.4, 0.6, 0.8])
        XCTAssertEqual(AxisTicks.linear(0.8, 1.0, count: 5), [0.8, 0.85, 0.9, 0.95, 1.0])
        // 0.3 and 0.7, not 3 × 0.1 = 0.30000000000000004 and 7 × 0.1 = 0.7000000000000001.
        XCTAssertEqual(AxisTicks.linear(0, 0.7, count: 7), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
        XCTAssertEqual(AxisTicks.linear(0, 0.9, count: 3), [0, 0.5])
        XCTAssertEqual(AxisTicks.linear(-7, 13, count: 4), [-5, 0, 5, 10])
        let d = AxisTicks.niceDomain(0.12, 0.98)
        XCTAssertEqual(d.lower, 0)
        XCTAssertEqual(d.upper, 1)
    }

    func testLabels() {
        XCTAssertEqual(AxisTicks.logLabel(1e5, plain: false), "10⁵")
        XCTAssertEqual(AxisTicks.logLabel(1e-3, plain: false), "10⁻³")
        XCTAssertEqual(AxisTicks.logLabel(1, plain: false), "10⁰")
        XCTAssertEqual(AxisTicks.logLabel(20, plain: true), "20")
        XCTAssertEqual(AxisTicks.logLabel(0.05, plain: true), "0.05")
        XCTAssertEqual(AxisTicks.linearLabel(0.4, step: 0.2), "0.4")
        XCTAssertEqual(AxisTicks.linearLabel(0.85, step: 0.05), "0.85")
        XCTAssertEqual(AxisTicks.linearLabel(1, step: 0.2), "1.0")
        XCTAssertEqual(AxisTicks.linearLabel(-5, step: 5), "\u{2212}5")
        XCTAssertTrue(AxisTicks.plainLogLabels(20, 2000))
        XCTAssertFalse(AxisTicks.plainLogLabels(20, 2e5))
    }

    func testScalesMapAndInvert() {
        let log = AxisScale(.log, domain: 10, 1000, range: 0, 200)
        assertClose(log.position(100), 100, "the middle decade")
        assertClose(log.position(10), 0, "lower end")
        assertClose(log.value(atPosition: 50), pow(10, 1.5), rtol: 1e-12, "10^1.5")
        // A y axis runs backwards.
        let y = AxisScale(.linear, domain: 0, 1, range: 300, 50)
        assertClose(y.position(0.9), 75, rtol: 1e-12, "0.9 near the top")
        assertClose(y.value(atPosition: 175), 0.5, rtol: 1e-12, "middle")
        for v in [0.013, 0.5, 0.999] { assertClose(y.value(atPosition: y.position(v)), v, rtol: 1e-14, "round trip \(v)") }
        XCTAssertTrue(log.contains(1000))
        XCTAssertFalse(log.contains(1001))
        XCTAssertEqual(log.majorTicks(), [10, 100, 1000])
    }
}
