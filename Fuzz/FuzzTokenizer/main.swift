import Text
import _FuzzSupport

// The tokenizer on arbitrary text (repaired to valid UTF-8, as every Swift String is): special
// tokens in the raw text, normalization of any scalar, WordPiece, truncation of pairs. The first
// byte sets max_length and where the input splits into a pair.
let vocabulary = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##a", "ab", "##b", "é",
                                     "##é", "我", ",", "!", "the", "##s", "`", "i", "ı"])
let tokenizer = try! BertTokenizer(vocabulary: vocabulary)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let rest = Array(input.dropFirst())
    let cut = rest.isEmpty ? 0 : Int(first) % (rest.count + 1)
    let a = String(decoding: rest[..<cut], as: UTF8.self), b = String(decoding: rest[cut...], as: UTF8.self)
    let maxLength = 3 + Int(first >> 3)
    let single = tokenizer.encode(a + b)
    precondition(single.inputIDs.first == tokenizer.classID && single.inputIDs.last == tokenizer.separatorID)
    let pair = tokenizer.encode(a, pair: b, maxLength: maxLength)
    precondition(pair.count <= maxLength && pair.tokenTypeIDs.count == pair.count)
    precondition(pair.inputIDs.allSatisfy { $0 >= 0 && Int($0) < vocabulary.count })
    _ = tokenizer.encodeBatch([a, b], pairs: [b, a])
    return 0
}

fuzzMain(fuzzTokenizer)
