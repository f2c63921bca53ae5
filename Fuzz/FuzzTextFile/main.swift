import Text
import _FuzzSupport

// A text dataset file: the first byte picks the layout (TSV, CSV, JSONL, Orange .tab) and
// whether a pair column is read; the rest is the file (header, quoting, fields, UTF-8, JSON).
// The same bytes are then read as a vocab.txt and as a tokenizer_config.json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTextFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    let format = TextFileFormat.allCases[Int(first) % TextFileFormat.allCases.count]
    let columns = TextColumns(text: "text", textPair: first & 0x80 != 0 ? "pair" : nil, label: "label")
    if let examples = try? TextFileReader.parse(bytes, path: "fuzz", columns: columns, format: format) {
        for e in examples { precondition(!e.text.isEmpty && e.label != nil && e.line >= 1) }
    }
    if let v = try? Vocabulary(path: "vocab.txt", bytes: bytes), let t = try? BertTokenizer(vocabulary: v) {
        _ = t.encode(String(decoding: bytes, as: UTF8.self), maxLength: 8)
    }
    _ = try? BertTokenizerOptions(tokenizerConfigPath: "tokenizer_config.json", bytes: bytes)
    return 0
}

fuzzMain(fuzzTextFile)
