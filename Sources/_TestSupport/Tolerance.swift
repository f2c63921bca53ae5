import XCTest

/// Asserts |a − b| ≤ atol + rtol·|b| (NumPy's `isclose` rule, b the reference),
/// printing both values and the label on failure.
public func assertClose(_ a: Double, _ b: Double, rtol: Double = 1e-10, atol: Double = 0,
                        _ label: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    if a == b { return }
    if a.isNaN && b.isNaN { return }
    let ok = abs(a - b) <= atol + rtol * abs(b)
    XCTAssertTrue(ok, "\(label()): got \(a), expected \(b) (rtol \(rtol), atol \(atol))", file: file, line: line)
}

