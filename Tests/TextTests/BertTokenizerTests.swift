import Text
import XCTest

/// `BertTokenizer` on a hand-made vocabulary: every expected id below is worked out by hand from
/// BertTokenizerFast's rules (clean text, CJK, NFD accent stripping, lower-casing, punctuation,
/// greedy longest-match WordPiece, [UNK] over 100 characters, the BERT template, longest_first).
final class BertTokenizerTests: XCTestCase {
    // id = index: 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 hello 6 , 7 world 8 ! 9 cafe 10 un
    // 11 ##aff 12 ##able 13 a 14 ##a 15 我 16 爱 17 you 18 aa 19 ##aa 20 b 21 c 22 d 23 e 24 f
    // 25 x 26 y 27 é 28 Hello 29 $ 30 ##e 31 i 32 `
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", ",", "world", "!", "cafe", "un",
                         "##aff", "##able", "a", "##a", "我", "爱", "you", "aa", "##aa", "b", "c", "d", "e", "f",
                         "x", "y", "é", "Hello", "$", "##e", "i", "`"]

    func tokenizer(lowerCase: Bool = true, stripAccents: Bool? = nil) throws -> BertTokenizer {
        var o = BertTokenizerOptions()
        o.doLowerCase = lowerCase
        o.stripAccents = stripAccents
        return try BertTokenizer(vocabulary: Vocabulary(tokens: Self.tokens), options: o)
    }

    func testPunctuationSplitAndTemplate() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.wordPieceIDs("Hello, world!"), [5, 6, 7, 8])
        XCTAssertEqual(t.tokenize("Hello, world!"), ["hello", ",", "world", "!"])
        let e = t.encode("Hello, world!")
        XCTAssertEqual(e.inputIDs, [2, 5, 6, 7, 8, 3])
        XCTAssertEqual(e.tokenTypeIDs, [0, 0, 0, 0, 0, 0])
        // ASCII symbols 33–47, 58–64, 91–96, 123–126 are punctuation: "$" and "`" split off.
        XCTAssertEqual(t.wordPieceIDs("$x`y"), [29, 25, 32, 26])
        XCTAssertEqual(t.wordPieceIDs("x!y"), [25, 8, 26])
    }

    func testAccentsAndCase() throws {
        // Lower-casing strips accents (strip_accents nil): "Café" → "cafe".
        XCTAssertEqual(try tokenizer().wordPieceIDs("Café CAFÉ cafe\u{301}"), [9, 9, 9])
        // Lower-casing without stripping: "É" → "é"; "café" is not in the vocabulary.
        let keep = try tokenizer(stripAccents: false)
        XCTAssertEqual(keep.wordPieceIDs("É"), [27])
        XCTAssertEqual(keep.wordPieceIDs("Café"), [1])
        // Cased: "Hello" stays, "hello" too.
        let cased = try tokenizer(lowerCase: false)
        XCTAssertEqual(cased.wordPieceIDs("Hello hello é"), [28, 5, 27])
        // İ: NFD gives I + U+0307 (stripped), then lower-case "i".
        XCTAssertEqual(try tokenizer().wordPieceIDs("\u{130}"), [31])
        // U+1FEF GREEK VARIA decomposes to "`", which is then punctuation.
        XCTAssertEqual(try tokenizer().wordPieceIDs("x\u{1FEF}y"), [25, 32, 26])
    }

    func testChineseCharactersAreWordsOfTheirOwn() throws {
        XCTAssertEqual(try tokenizer().wordPieceIDs("我爱you"), [15, 16, 17])
        XCTAssertEqual(try tokenizer().wordPieceIDs("you我"), [17, 15])
    }

    func testCleanupOfControlAndWhitespace() throws {
        let t = try tokenizer()
        // NUL, U+FFFD, U+200B (Cf) and U+0001 (Cc) vanish inside a word.
        XCTAssertEqual(t.wordPieceIDs("he\u{0}l\u{FFFD}l\u{200B}o\u{1}"), [5])
        // Unicode white space splits words: ideographic space, line separator, tab, NBSP.
        XCTAssertEqual(t.wordPieceIDs("hello\u{3000}world\u{2028}hello\tworld\u{A0}x"), [5, 7, 5, 7, 25])
        // The fast tokenizer removes U+000B, U+000C and U+0085 (control characters), so the words join.
        XCTAssertEqual(t.wordPieceIDs("hello\u{B}world"), [1])
        XCTAssertEqual(t.wordPieceIDs("x\u{C}y\u{85}x"), [1])
        // Empty after cleanup: nothing between [CLS] and [SEP].
        XCTAssertEqual(t.encode("\u{0}\u{FFFD}\u{200B} \u{1}").inputIDs, [2, 3])
        XCTAssertEqual(t.encode("").inputIDs, [2, 3])
    }

    func testWordPieceGreedyLongestMatch() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.wordPieceIDs("unaffable"), [10, 11, 12])
        XCTAssertEqual(t.tokenize("unaffable"), ["un", "##aff", "##able"])
        // "aaaaa": "aa" (no longer start matches), "##aa", then "##a".
        XCTAssertEqual(t.wordPieceIDs("aaaaa"), [18, 19, 14])
        // No "##x": the whole word is one [UNK], not its matched prefix.
        XCTAssertEqual(t.wordPieceIDs("unaffablex you"), [1, 17])
    }

    func testWordsOverOneHundredCharactersAreUnknown() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.wordPieceIDs(String(repeating: "a", count: 100)), [18] + Array(repeating: 19, count: 49))
        XCTAssertEqual(t.wordPieceIDs(String(repeating: "a", count: 101) + " you"), [1, 17])
        // Characters are counted after normalization: 100 × "e" + U+0301 is 200 scalars, 100 after stripping.
        XCTAssertEqual(t.wordPieceIDs(String(repeating: "e\u{301}", count: 100)), [23] + Array(repeating: 30, count: 99))
        XCTAssertEqual(t.wordPieceIDs(String(repeating: "é", count: 101)), [1])
    }

    func testSpecialTokensInTheTextAreKept() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.wordPieceIDs("hello[SEP]world [MASK]"), [5, 3, 7, 4])
        // Matched on the raw text only: lower-case "[sep]" is punctuation and an unknown word.
        XCTAssertEqual(t.wordPieceIDs("[sep]"), [1, 1, 1])
    }

    func testTruncationOfSinglesAndPairs() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.encode("a b c d e f", maxLength: 4).inputIDs, [2, 13, 20, 3])
        XCTAssertEqual(t.encode("a b", maxLength: 10).inputIDs, [2, 13, 20, 3])
        // 6 + 2 pieces, budget 8 − 3 = 5: the shorter (2) keeps all, the longer max(2, 5 − 2) = 3.
        let e = t.encode("a b c d e f", pair: "x y", maxLength: 8)
        XCTAssertEqual(e.inputIDs, [2, 13, 20, 21, 3, 25, 26, 3])
        XCTAssertEqual(e.tokenTypeIDs, [0, 0, 0, 0, 0, 1, 1, 1])
        // 4 + 4, budget 5: both too long, so the first keeps ⌊5/2⌋ = 2 and the second 3
        // (the slow tokenizer, removing one token at a time from the second on ties, keeps 3 and 2).
        XCTAssertEqual(t.encode("a b c d", pair: "c d e f", maxLength: 8).inputIDs, [2, 13, 20, 3, 21, 22, 23, 3])
        // The second longer: 2 + 6, budget 5 → 2 and 3.
        XCTAssertEqual(t.encode("x y", pair: "a b c d e f", maxLength: 8).inputIDs, [2, 25, 26, 3, 13, 20, 21, 3])
        // Fits: untouched.
        XCTAssertEqual(t.encode("x", pair: "y", maxLength: 5).inputIDs, [2, 25, 3, 26, 3])
        XCTAssertEqual(t.encode("x", pair: "y").tokenTypeIDs, [0, 0, 0, 1, 1])
    }

    func testBatchIsPaddedToTheLongest() throws {
        let b = try tokenizer().encodeBatch(["hello", "hello world !"], pairs: nil)
        XCTAssertEqual(b.count, 2)
        XCTAssertEqual(b.sequenceLength, 5)
        XCTAssertEqual(b.inputIDs, [2, 5, 3, 0, 0, 2, 5, 7, 8, 3])
        XCTAssertEqual(b.attentionMask, [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
        XCTAssertEqual(b.tokenTypeIDs, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(b.lengths, [3, 5])
        let p = try tokenizer().encodeBatch(["x"], pairs: ["y"], maxLength: 16)
        XCTAssertEqual(p.tokenTypeIDs, [0, 0, 0, 1, 1])
    }

    func testJSONLinesOfEncodings() throws {
        let t = try tokenizer()
        let bytes = TokenIDsJSONL.bytes([t.encode("x", pair: "y"), t.encode("")])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "{\"input_ids\":[2,25,3,26,3],\"token_type_ids\":[0,0,0,1,1]}\n{\"input_ids\":[2,3],\"token_type_ids\":[0,0]}\n")
    }

    func testVocabularyWithoutUnknownTokenIsRefused() throws {
        XCTAssertThrowsError(try BertTokenizer(vocabulary: Vocabulary(tokens: ["[CLS]", "[SEP]", "[PAD]"]), vocabularyPath: "/v/vocab.txt")) { e in
            XCTAssertEqual((e as? TextError)?.code, .invalidVocabulary)
            XCTAssertEqual("\(e)", "/v/vocab.txt: the vocabulary lacks the unknown token '[UNK]'")
        }
    }
}

/// `BertTokenizer.encode(_: TextDataset)`: one encoding per example, pairs included, in order.
final class DatasetEncodingTests: XCTestCase {
    func testEncodesEveryExampleInOrder() throws {
        let t = try BertTokenizer(vocabulary: Vocabulary(tokens: BertTokenizerTests.tokens))
        let d = TextDataset(path: "d.tsv", examples: [TextExample(text: "x y", textPair: "a", label: "1", line: 2),
                                                      TextExample(text: "hello", textPair: "b c d", label: "0", line: 3)],
                            labelIDs: [1, 0])
        let e = t.encode(d, maxLength: 6)
        XCTAssertEqual(e.map(\.inputIDs), [[2, 25, 26, 3, 13, 3], [2, 5, 3, 20, 21, 3]])
        XCTAssertEqual(e[1].tokenTypeIDs, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(d.textPairs, ["a", "b c d"])
    }
}
