import Reports
import XCTest

final class CSVTableTests: XCTestCase {
    func testFormattingForPandas() {
        var t = CSVTable(columns: ["name", "n", "x"])
        t.append(["plain", 3, 0.1])
        t.append([.text("has,comma"), .integer(-7), .real(1e-5)])
        t.append([.text("say \"hi\""), .integer(0), .real(.infinity)])
        t.append([.text("nan"), .integer(0), .real(.nan)])
        t.append([.text("neg"), .integer(0), .real(-.infinity)])
        // Non-ASCII text is quoted only for the same four characters (\r\n is one Character in Swift).
        t.append([.text("naïve.層"), .integer(1), .real(2)])
        t.append([.text("é,ü"), .integer(2), .real(0.5)])
        t.append([.text("line\r\nbreak"), .integer(3), .real(-0.0)])
        let expected = [
            "name,n,x",
            "plain,3,0.1",
            "\"has,comma\",-7,1e-05",
            "\"say \"\"hi\"\"\",0,inf",
            "nan,0,nan",
            "neg,0,-inf",
            "naïve.層,1,2.0",
            "\"é,ü\",2,0.5",
            "\"line\r\nbreak\",3,-0.0",
        ].map { $0 + "\n" }.joined()
        XCTAssertEqual(t.text, expected)
        XCTAssertEqual(t.rowCount, 8)
    }

    // Bits, soundly: the shortest round-trip text parses back to the same Double (no BLAS).
    func testRealsRoundTrip() {
        for x in [Double.pi, 1.0 / 3, 0x1p-1074, 1e300, -0.0, 123456789.123] {
            XCTAssertEqual(Double(CSVTable.format(x))!.bitPattern, x.bitPattern, "\(x)")
        }
    }
}
