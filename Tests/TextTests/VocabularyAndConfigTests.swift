import Foundation
import Text
import XCTest

/// `Vocabulary(path:)` (line ends as Python's text mode reads them, repeated tokens) and
/// `BertTokenizerOptions(tokenizerConfigPath:)`, with errors naming file, line and field.
final class VocabularyAndConfigTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "/text-vocab-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func testLinesAndRepeatedTokens() throws {
        let v = try Vocabulary(path: write("vocab.txt", Array("[PAD]\r\n[UNK]\rx\n##y\nx\n".utf8)))
        XCTAssertEqual(v.tokens, ["[PAD]", "[UNK]", "x", "##y", "x"])
        XCTAssertEqual(v.count, 5)
        XCTAssertEqual(v.id(of: "x"), 4)  // the later line wins
        XCTAssertEqual(v.id(of: "##y"), 3)
        XCTAssertNil(v.id(of: "y"))
        XCTAssertEqual(v[1], "[UNK]")
        // No newline at the end: the last line is still a token.
        XCTAssertEqual(try Vocabulary(path: write("v2.txt", Array("a\nb".utf8))).tokens, ["a", "b"])
    }

    func testInvalidUTF8NamesTheLine() throws {
        let path = write("bad.txt", Array("a\nb\n".utf8) + [0x63, 0xFF, 0x0A])
        XCTAssertThrowsError(try Vocabulary(path: path)) { e in
            XCTAssertEqual((e as? TextError)?.code, .invalidUTF8)
            XCTAssertEqual("\(e)", "\(path):3: the token is not valid UTF-8")
        }
        XCTAssertThrowsError(try Vocabulary(path: write("empty.txt", []))) { e in
            XCTAssertEqual((e as? TextError)?.code, .invalidVocabulary)
        }
        XCTAssertThrowsError(try Vocabulary(path: directory + "/absent.txt")) { e in
            XCTAssertEqual((e as? TextError)?.code, .unreadable)
        }
    }

    func testTokenizerConfig() throws {
        let path = write("tokenizer_config.json", Array("""
            {"do_lower_case": false, "strip_accents": null, "tokenize_chinese_chars": false,
             "unk_token": {"content": "<unk>", "lstrip": false}, "sep_token": "</s>",
             "model_max_length": 1000000000000000019884624838656, "tokenizer_class": "BertTokenizer"}
            """.utf8))
        let o = try BertTokenizerOptions(tokenizerConfigPath: path)
        XCTAssertFalse(o.doLowerCase)
        XCTAssertNil(o.stripAccents)
        XCTAssertFalse(o.stripsAccents)  // follows do_lower_case
        XCTAssertFalse(o.tokenizeChineseChars)
        XCTAssertEqual(o.unknownToken, "<unk>")
        XCTAssertEqual(o.separatorToken, "</s>")
        XCTAssertEqual(o.classToken, "[CLS]")
        XCTAssertNil(o.modelMaxLength)  // transformers' "no limit" placeholder
        let limited = try BertTokenizerOptions(tokenizerConfigPath: write("c2.json", Array(#"{"model_max_length": 512, "strip_accents": true}"#.utf8)))
        XCTAssertEqual(limited.modelMaxLength, 512)
        XCTAssertTrue(limited.doLowerCase)
        XCTAssertEqual(limited.stripAccents, true)
    }

    func testTokenizerConfigErrorsNameTheField() throws {
        let path = write("bad.json", Array(#"{"do_lower_case": "yes"}"#.utf8))
        XCTAssertThrowsError(try BertTokenizerOptions(tokenizerConfigPath: path)) { e in
            XCTAssertEqual((e as? TextError)?.code, .invalidTokenizerConfig)
            XCTAssertEqual("\(e)", "\(path): column 'do_lower_case': expected true, false or null, found a JSON string")
        }
        XCTAssertThrowsError(try BertTokenizerOptions(tokenizerConfigPath: write("list.json", Array("[1]".utf8)))) { e in
            XCTAssertEqual((e as? TextError)?.code, .invalidTokenizerConfig)
        }
    }

    func testFolderWithoutConfigUsesDefaults() throws {
        _ = write("vocab.txt", Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n".utf8))
        let t = try BertTokenizer(directory: directory)
        XCTAssertEqual(t.encode("HELLO").inputIDs, [2, 5, 3])
        XCTAssertEqual(t.paddingID, 0)
    }
}
