import Foundation
import XCTest
import _TestSupport

/// End-to-end tests of `intrinsic-dim tokenize` on a hand-made tokenizer folder: the JSON Lines
/// ids (worked out by hand), and bad input as one line naming file, line and column, exit 1,
/// nothing written; bad options exit 64.
final class TokenizeCommandTests: XCTestCase {
    private func folder() throws -> String {
        let dir = try Fixtures.temporaryDirectory("tokenize")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        // 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 hello 6 world 7 ! 8 ##s
        try "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n!\n##s\n".write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        try #"{"do_lower_case": true}"#.write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        return dir
    }

    func testIdsOfAFileWithPairs() throws {
        let dir = try folder()
        try "a,b\n\"Hello, worlds!\",hello\nWORLD,\"x\"\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let r = try CommandRunner.run(["tokenize", "--tokenizer", dir, "--file", dir + "/d.csv", "--text-column", "a",
                                       "--text-pair-column", "b", "--out", dir + "/ids.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // "hello , worlds !": "," is not in the vocabulary ([UNK]); "worlds" = world ##s.
        XCTAssertEqual(try String(contentsOfFile: dir + "/ids.jsonl", encoding: .utf8),
                       "{\"input_ids\":[2,5,1,6,8,7,3,5,3],\"token_type_ids\":[0,0,0,0,0,0,0,1,1]}\n"
                       + "{\"input_ids\":[2,6,3,1,3],\"token_type_ids\":[0,0,0,1,1]}\n")
        let t = try CommandRunner.run(["tokenize", "--tokenizer", dir, "--file", dir + "/d.csv", "--text-column", "a",
                                       "--text-pair-column", "b", "--max-length", "5", "--out", dir + "/five.jsonl"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/five.jsonl", encoding: .utf8).split(separator: "\n").first,
                       "{\"input_ids\":[2,5,3,5,3],\"token_type_ids\":[0,0,0,1,1]}")
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        let dir = try folder()
        try "text\tlabel\nfine\t1\n\t0\n".write(toFile: dir + "/e.tsv", atomically: true, encoding: .utf8)
        let r = try CommandRunner.run(["tokenize", "--tokenizer", dir, "--file", dir + "/e.tsv", "--text-column", "text", "--out", dir + "/o.jsonl"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "intrinsic-dim tokenize: error: \(dir)/e.tsv:3: column 'text': the text is empty\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o.jsonl"))
        let m = try CommandRunner.run(["tokenize", "--tokenizer", dir, "--file", dir + "/e.tsv", "--text-column", "sentence", "--out", dir + "/o.jsonl"])
        XCTAssertEqual(m.status, 1)
        XCTAssertTrue(m.stderr.hasPrefix("intrinsic-dim tokenize: error: \(dir)/e.tsv:1: column 'sentence': the header has no such column"), m.stderr)
        let d = try CommandRunner.run(["tokenize", "--tokenizer", dir, "--dataset", "reuters-r8", "--data-dir", dir + "/none", "--out", dir + "/o.jsonl"])
        XCTAssertEqual(d.status, 1)
        XCTAssertTrue(d.stderr.contains("\(dir)/none/reuters-r8-test.tab: cannot open"), d.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o.jsonl"))
    }

    func testImpossibleOptionsAreUsageErrors() throws {
        let dir = try folder()
        for args in [["--out", "x"], ["--dataset", "reuters-r8", "--file", "f.tsv", "--text-column", "t", "--out", "x"],
                     ["--file", "f.tsv", "--out", "x"], ["--dataset", "reuters-r8", "--max-length", "2", "--out", "x"]] {
            let r = try CommandRunner.run(["tokenize", "--tokenizer", dir] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
    }
}
