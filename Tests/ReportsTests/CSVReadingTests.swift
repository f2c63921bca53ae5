import CheckpointIO
import Reports
import XCTest

/// `CSVTable.parse`/`read`: RFC 4180 quoting, and errors naming the file, line and column.
final class CSVReadingTests: XCTestCase {
    func testQuotingAndLineEnds() throws {
        let text = "name,n,x\r\nplain,3,0.1\r\n\"has,comma\",-7,1e-05\n\"say \"\"hi\"\"\",0,inf\n\"two\nlines\",1,nan\n\nlast,2,-inf"
        let t = try CSVTable.parse(text, path: "t.csv")
        XCTAssertEqual(t.columns, ["name", "n", "x"])
        XCTAssertEqual(t.rows.map { $0[0] }, ["plain", "has,comma", "say \"hi\"", "two\nlines", "last"])
        XCTAssertEqual(t.lines, [2, 3, 4, 5, 8])
        XCTAssertEqual(try t.integer(1, "n"), -7)
        XCTAssertEqual(try t.double(1, "x"), 1e-5)
        XCTAssertEqual(try t.double(2, "x"), .infinity)
        XCTAssertTrue(try t.double(3, "x").isNaN)
        XCTAssertEqual(try t.double(4, "x"), -.infinity)
    }

    func testRoundTripOfTheWriter() throws {
        var w = CSVTable(columns: ["tensor", "v"])
        w.append([.text("a,\"b\"<c>"), .real(0.1)])
        w.append([.text("x"), .real(-2.5e-300)])
        let r = try CSVTable.parse(w.text, path: "w.csv")
        XCTAssertEqual(r.rows, [["a,\"b\"<c>", "0.1"], ["x", "-2.5e-300"]])
    }

    func testErrorsNameFileLineAndColumn() throws {
        let t = try CSVTable.parse("d,acc\n10,0.5\n20,abc\n30,\n", path: "/x/sweep.csv")
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return String(describing: error) }
        }
        XCTAssertEqual(message { try t.double(1, "acc") }, "/x/sweep.csv: line 3: column 'acc': 'abc' is not a number")
        XCTAssertEqual(message { try t.double(2, "acc") }, "/x/sweep.csv: line 4: column 'acc' is empty, expected a number")
        XCTAssertTrue(message { try t.double(0, "seed") }.hasPrefix("/x/sweep.csv: column 'seed' is missing"))
        XCTAssertEqual(message { try CSVTable.parse("a,b\n1,2,3\n", path: "p.csv") }, "p.csv: line 2: 3 fields for 2 columns")
        XCTAssertEqual(message { try CSVTable.parse("a\n\"open\n", path: "p.csv") }, "p.csv: line 2: unterminated quoted field")
        XCTAssertEqual(message { try CSVTable.parse("", path: "p.csv") }, "p.csv: empty file, expected a header line")
        XCTAssertEqual(message { try CSVTable.read("/nonexistent/q.csv") }, "/nonexistent/q.csv: no such file")
    }
}
