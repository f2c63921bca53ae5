import Foundation
import Text
import XCTest

/// `TextFileReader` on TSV (GLUE's layout), CSV (RFC 4180), JSONL and Orange `.tab`, and every
/// bad-input case as a one-line error naming file, line and column; `TextTask`'s label order.
final class TextFileReaderTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "/text-files-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func message(_ body: () throws -> Any) -> (TextError.Code?, String) {
        do {
            _ = try body()
            return (nil, "no error")
        } catch {
            return ((error as? TextError)?.code, "\(error)")
        }
    }

    let single = TextColumns(text: "sentence", label: "label")

    func testGLUETSV() throws {
        let path = write("train.tsv", "sentence\tlabel\nit 's a \"charming\" film\t1\r\n\nboring\t0\n")
        let e = try TextFileReader.read(path, columns: single)
        XCTAssertEqual(e.map(\.text), ["it 's a \"charming\" film", "boring"])
        XCTAssertEqual(e.map(\.label), ["1", "0"])
        XCTAssertEqual(e.map(\.line), [2, 4])
        // MRPC's pairs.
        let mrpc = write("dev.tsv", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t7\t8\tHe said .\tShe said .\n")
        let p = try TextFileReader.read(mrpc, columns: TextColumns(text: "#1 String", textPair: "#2 String", label: "Quality"))
        XCTAssertEqual(p, [TextExample(text: "He said .", textPair: "She said .", label: "1", line: 2)])
    }

    func testCSVQuoting() throws {
        let path = write("d.csv", "label,text\r\npos,\"one, two\"\r\nneg,\"say \"\"hi\"\"\nand bye\"\nneg,plain\n")
        let e = try TextFileReader.read(path, columns: TextColumns(text: "text", label: "label"))
        XCTAssertEqual(e.map(\.text), ["one, two", "say \"hi\"\nand bye", "plain"])
        XCTAssertEqual(e.map(\.line), [2, 3, 5])
    }

    func testJSONL() throws {
        let path = write("d.jsonl", "{\"text\": \"caf\\u00e9\", \"label\": 3}\n\n{\"label\": \"x\", \"text\": \"b\", \"other\": [1]}\n{\"text\": \"c\", \"label\": true}")
        let e = try TextFileReader.read(path, columns: TextColumns(text: "text", label: "label"))
        XCTAssertEqual(e.map(\.text), ["café", "b", "c"])
        XCTAssertEqual(e.map(\.label), ["3", "x", "true"])
        XCTAssertEqual(e.map(\.line), [1, 3, 4])
    }

    func testOrangeTab() throws {
        let path = write("r8.tab", "Category\tText\nd\tstring\nclass\t\n\nearn\tprofit up\nacq\tbuys a company\n")
        let e = try TextFileReader.read(path, columns: TextColumns(text: "Text", label: "Category"))
        XCTAssertEqual(e, [TextExample(text: "profit up", label: "earn", line: 5), TextExample(text: "buys a company", label: "acq", line: 6)])
    }

    func testMissingColumn() throws {
        let path = write("m.tsv", "sentence\tlabels\nhi\t1\n")
        let (code, text) = message { try TextFileReader.read(path, columns: self.single) }
        XCTAssertEqual(code, .missingColumn)
        XCTAssertEqual(text, "\(path):1: column 'label': the header has no such column (it has 'sentence', 'labels')")
        let short = write("s.tsv", "sentence\tlabel\nhi\t1\nalone\n")
        let (code2, text2) = message { try TextFileReader.read(short, columns: self.single) }
        XCTAssertEqual(code2, .missingColumn)
        XCTAssertEqual(text2, "\(short):3: column 'label': the row has 1 fields, the header 2")
        let json = write("m.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\"}\n")
        let (code3, text3) = message { try TextFileReader.read(json, columns: TextColumns(text: "text", label: "label")) }
        XCTAssertEqual(code3, .missingColumn)
        XCTAssertEqual(text3, "\(json):2: column 'label': the object has no such key")
    }

    func testEmptyText() throws {
        let path = write("e.tsv", "sentence\tlabel\nfine\t1\n \t0\n")
        let (code, text) = message { try TextFileReader.read(path, columns: self.single) }
        XCTAssertEqual(code, .emptyText)
        XCTAssertEqual(text, "\(path):3: column 'sentence': the text is empty")
        let csv = write("e.csv", "sentence,label\n\"\",1\n")
        XCTAssertEqual(message { try TextFileReader.read(csv, columns: self.single) }.1, "\(csv):2: column 'sentence': the text is empty")
    }

    func testInvalidUTF8() throws {
        let path = write("u.tsv", Array("sentence\tlabel\nok\t1\n".utf8) + [0x62, 0xC3, 0x28, 0x09, 0x30, 0x0A])
        let (code, text) = message { try TextFileReader.read(path, columns: self.single) }
        XCTAssertEqual(code, .invalidUTF8)
        XCTAssertEqual(text, "\(path):3: column 'sentence': the field is not valid UTF-8")
        let json = write("u.jsonl", Array("{\"label\": 1, \"text\": \"a".utf8) + [0xFF] + Array("\"}\n".utf8))
        let (code2, text2) = message { try TextFileReader.read(json, columns: TextColumns(text: "text", label: "label")) }
        XCTAssertEqual(code2, .invalidUTF8)
        XCTAssertEqual(text2, "\(json):1: column 'text': the line is not valid UTF-8")
    }

    func testNoRowsAndMalformedRows() throws {
        let header = write("h.tsv", "sentence\tlabel\n\n")
        XCTAssertEqual(message { try TextFileReader.read(header, columns: self.single) }.0, .noRows)
        XCTAssertEqual(message { try TextFileReader.read(header, columns: self.single) }.1, "\(header): the file has no data rows")
        XCTAssertEqual(message { try TextFileReader.read(self.write("z.tsv", ""), columns: self.single) }.0, .noRows)
        let wide = write("w.tsv", "sentence\tlabel\na\t1\t2\n")
        XCTAssertEqual(message { try TextFileReader.read(wide, columns: self.single) }.1, "\(wide):2: the row has 3 fields, the header 2")
        let open = write("q.csv", "sentence,label\n\"never closed,1\n")
        XCTAssertEqual(message { try TextFileReader.read(open, columns: self.single) }.1,
                       "\(open):2: a quoted field is not closed before the end of the file")
        let after = write("a.csv", "sentence,label\n\"x\"y,1\n")
        XCTAssertEqual(message { try TextFileReader.read(after, columns: self.single) }.0, .malformedRow)
        let notObject = write("n.jsonl", "[1, 2]\n")
        XCTAssertEqual(message { try TextFileReader.read(notObject, columns: self.single) }.1,
                       "\(notObject):1: expected a JSON object, found a JSON array")
        let wrongType = write("t.jsonl", "{\"sentence\": 5, \"label\": 1}\n")
        XCTAssertEqual(message { try TextFileReader.read(wrongType, columns: self.single) }.1,
                       "\(wrongType):1: column 'sentence': expected a string, found a JSON number")
        XCTAssertEqual(message { try TextFileReader.read(self.directory + "/x.txt", columns: self.single) }.0, .unknownFormat)
    }

    func testTaskLabelsAndTrainLimit() throws {
        let train = write("train.tsv", "sentence\tlabel\na\ttrade\nb\tacq\nc\tearn\nd\tacq\n")
        let test = write("test.tsv", "sentence\tlabel\ne\tearn\nf\ttrade\n")
        let task = try TextTask(train: train, test: test, columns: single, trainLimit: 2)
        XCTAssertEqual(task.labels, ["acq", "earn", "trade"])  // sorted, over the whole training file
        XCTAssertEqual(task.train.texts, ["a", "b"])
        XCTAssertEqual(task.train.labelIDs, [2, 0])
        XCTAssertEqual(task.test.labelIDs, [1, 2])
        XCTAssertNil(task.train.textPairs)
        XCTAssertEqual(task.labelCounts(task.train), [1, 0, 1])
        XCTAssertEqual(task.labelCounts(task.test), [0, 1, 1])
        XCTAssertEqual(task.majorityTestAccuracy, 0.5)
        let given = try TextTask(train: train, test: test, columns: single, labels: ["trade", "earn", "acq"])
        XCTAssertEqual(given.train.labelIDs, [0, 2, 1, 2])
    }

    func testUnknownLabelInTheTestFile() throws {
        let train = write("train.tsv", "sentence\tlabel\na\t1\nb\t0\n")
        let test = write("test.tsv", "sentence\tlabel\nc\t0\nd\t2\n")
        let (code, text) = message { try TextTask(train: train, test: test, columns: self.single) }
        XCTAssertEqual(code, .unknownLabel)
        XCTAssertEqual(text, "\(test):3: column 'label': label '2' is not among the 2 labels of the training file")
    }

    func testCatalog() throws {
        let r8 = try TextDatasetCatalog.entry(named: "reuters-r8")
        XCTAssertEqual(r8.trainPath(in: "data/text"), "data/text/reuters-r8-train.tab")
        XCTAssertEqual(r8.columns, TextColumns(text: "Text", label: "Category"))
        XCTAssertEqual([r8.trainCount, r8.testCount, r8.labelCount], [5485, 2189, 8])
        XCTAssertEqual(message { try TextDatasetCatalog.entry(named: "sst2") }.1,
                       "sst2: no such text dataset (known: reuters-r8, 20newsgroups)")
    }
}
