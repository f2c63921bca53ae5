import Foundation
import Synchronization

/// What `BertNormalizer` followed by `BertPreTokenizer` makes of one non-ASCII scalar, computed
/// once per scalar and tokenizer and kept (the first encounter pays for the Unicode look-ups and
/// the NFD decomposition).
///
/// A normalization is a byte program: `1` ends the current word (white space); `2, n, b₁…bₙ`
/// is a word of its own of the n UTF-8 bytes (punctuation); `3, n, b₁…bₙ` appends the bytes to the
/// current word. An empty program removes the scalar.
final class ScalarNormalizations: Sendable {
    static let boundary: UInt8 = 1
    static let isolated: UInt8 = 2
    static let appended: UInt8 = 3

    private let lowerCase: Bool
    private let stripAccents: Bool
    private let splitChinese: Bool
    private let known = Mutex<[UInt32: [UInt8]]>([:])

    init(options: BertTokenizerOptions) {
        lowerCase = options.doLowerCase
        stripAccents = options.stripsAccents
        splitChinese = options.tokenizeChineseChars
    }

    /// The byte program of scalar `v` (a valid Unicode scalar value ≥ 0x80).
    func program(_ v: UInt32) -> [UInt8] {
        if let p = known.withLock({ $0[v] }) { return p }
        let p = compute(v)
        known.withLock { $0[v] = p }
        return p
    }

    /// clean_text → handle_chinese_chars → strip_accents (NFD, drop Mn) → lowercase, then the
    /// pre-tokenizer's split on white space and punctuation: the order of `tokenizers`' BertNormalizer.
    private func compute(_ v: UInt32) -> [UInt8] {
        let s = Unicode.Scalar(v)!
        if BertCharacters.isRemoved(s) { return [] }
        if BertCharacters.isWhitespace(s) { return [Self.boundary] }
        let chinese = splitChinese && BertCharacters.isChinese(v)
        var scalars: [Unicode.Scalar] = [s]
        if stripAccents {
            scalars = String(s).decomposedStringWithCanonicalMapping.unicodeScalars.filter { !BertCharacters.isNonspacingMark($0) }
        }
        if lowerCase {
            scalars = scalars.flatMap { Array($0.properties.lowercaseMapping.unicodeScalars) }
        }
        var out: [UInt8] = chinese ? [Self.boundary] : []
        for t in scalars {
            if BertCharacters.isWhitespace(t) { out.append(Self.boundary); continue }
            let bytes = Array(String(t).utf8)
            out.append(BertCharacters.isPunctuation(t) ? Self.isolated : Self.appended)
            out.append(UInt8(bytes.count))
            out.append(contentsOf: bytes)
        }
        if chinese { out.append(Self.boundary) }
        return out
    }
}
