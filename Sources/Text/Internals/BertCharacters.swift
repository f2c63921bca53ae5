/// The character classes of Hugging Face `tokenizers`' `BertNormalizer` and `BertPreTokenizer`
/// (the Rust code behind `BertTokenizerFast`), decided per Unicode scalar.
///
/// The fast tokenizer takes general categories from the `unicode_categories` crate, whose tables
/// are of Unicode 8, while Swift's `Unicode.Scalar.Properties` are of a recent Unicode; code points
/// assigned or re-categorised since then are classed differently. The override lists below
/// are those differences, found by running every scalar U+0000…U+10FFFF through `tokenizers`
/// 0.23.3's `BertNormalizer` and `BertPreTokenizer` and through the rules here
/// (`Tests/Scripts/check_tokenizer.py` re-checks every scalar against the real tokenizer).
/// White space and lower-casing come from Rust's standard library (recent Unicode) and agree
/// with Swift's on every scalar; so do the canonical decompositions.
enum BertCharacters {
    /// `clean_text`'s removal: NUL, U+FFFD, and the "other" categories (Cc, Cf, Co, Cs) except
    /// tab, line feed and carriage return. (Unassigned code points, Cn, are kept.)
    static func isRemoved(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0 || v == 0xFFFD { return true }
        if v == 9 || v == 10 || v == 13 { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate:
            return !contains(formatSinceUnicode8, v)
        default:
            return false
        }
    }

    /// White space: tab, line feed, carriage return and Unicode's `White_Space` (Rust's
    /// `char::is_whitespace`); `clean_text` maps it to a space and the pre-tokenizer splits on it.
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s.value == 9 || s.value == 10 || s.value == 13 || s.properties.isWhitespace
    }

    /// The pre-tokenizer's punctuation: ASCII 33–47, 58–64, 91–96, 123–126 (which include the
    /// symbols `$+<=>^`|~`) and the Unicode P* categories.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        if contains(punctuationInUnicode8, v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return !contains(punctuationSinceUnicode8, v)
        default:
            return false
        }
    }

    /// A non-spacing mark (Mn), which accent stripping removes after NFD. U+1734 HANUNOO SIGN
    /// PAMUDPOD and U+1171E AHOM CONSONANT SIGN MEDIAL RA were Mn in Unicode 8 (Mc since 14).
    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        if s.value == 0x1734 || s.value == 0x1171E { return true }
        return s.properties.generalCategory == .nonspacingMark && !contains(nonspacingMarkSinceUnicode8, s.value)
    }

    /// The "Chinese characters" that `handle_chinese_chars` surrounds with spaces. These are the
    /// ranges of `tokenizers`' `is_chinese_char`, which differ from `transformers`' Python
    /// `_is_chinese_char` in one place: extension E starts at U+2B920 there, not U+2B820.
    static func isChinese(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B920...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    private static func contains(_ ranges: [ClosedRange<UInt32>], _ v: UInt32) -> Bool {
        // Sorted, disjoint ranges: binary search for the last range starting at or below v.
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].lowerBound <= v { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && ranges[lo - 1].contains(v)
    }

    /// Format characters (Cf for Swift) that `tokenizers` keeps: assigned after Unicode 8.
    private static let formatSinceUnicode8: [ClosedRange<UInt32>] = [
        0x890...0x891, 0x8E2...0x8E2, 0x110CD...0x110CD, 0x13430...0x1343F
    ]

    /// Punctuation for Swift that is not for `tokenizers`: assigned after Unicode 8.
    private static let punctuationSinceUnicode8: [ClosedRange<UInt32>] = [
        0x61D...0x61D, 0x9FD...0x9FD, 0xA76...0xA76, 0xC77...0xC77, 0xC84...0xC84, 0x1B4E...0x1B4F,
        0x1B7D...0x1B7F, 0x2E43...0x2E4F, 0x2E52...0x2E5D, 0x10D6E...0x10D6E, 0x10EAD...0x10EAD,
        0x10ED0...0x10ED0, 0x10F55...0x10F59, 0x10F86...0x10F89, 0x113D4...0x113D5, 0x113D7...0x113D8,
        0x1144B...0x1144F, 0x1145A...0x1145B, 0x1145D...0x1145D, 0x11660...0x1166C, 0x116B9...0x116B9,
        0x1183B...0x1183B, 0x11944...0x11946, 0x119E2...0x119E2, 0x11A3F...0x11A46, 0x11A9A...0x11A9C,
        0x11A9E...0x11AA2, 0x11B00...0x11B09, 0x11BE1...0x11BE1, 0x11C41...0x11C45, 0x11C70...0x11C71,
        0x11EF7...0x11EF8, 0x11F43...0x11F4F, 0x11FFF...0x11FFF, 0x12FF1...0x12FF2, 0x16D6D...0x16D6F,
        0x16E97...0x16E9A, 0x16FE2...0x16FE2, 0x1E5FF...0x1E5FF, 0x1E95E...0x1E95F
    ]

    /// Punctuation (Po) in Unicode 8 that Swift's newer tables class otherwise: U+166D CANADIAN
    /// SYLLABICS CHI SIGN (So since Unicode 12) and U+111C9 SHARADA SANDHI MARK (Mn since Unicode 11).
    private static let punctuationInUnicode8: [ClosedRange<UInt32>] = [
        0x166D...0x166D, 0x111C9...0x111C9
    ]

    /// Non-spacing marks (Mn) for Swift that accent stripping keeps: assigned (or made Mn) after Unicode 8.
    private static let nonspacingMarkSinceUnicode8: [ClosedRange<UInt32>] = [
        0x7FD...0x7FD, 0x897...0x89F, 0x8CA...0x8E1, 0x9FE...0x9FE, 0xAFA...0xAFF, 0xB55...0xB55,
        0xC04...0xC04, 0xC3C...0xC3C, 0xD00...0xD00, 0xD3B...0xD3C, 0xD81...0xD81, 0xEBA...0xEBA,
        0xECE...0xECE, 0x180F...0x180F, 0x1885...0x1886, 0x1ABF...0x1ADD, 0x1AE0...0x1AEB,
        0x1DF6...0x1DFB, 0xA82C...0xA82C, 0xA8C5...0xA8C5, 0xA8FF...0xA8FF, 0xA9BD...0xA9BD,
        0x10D24...0x10D27, 0x10D69...0x10D6D, 0x10EAB...0x10EAC, 0x10EFA...0x10EFF, 0x10F46...0x10F50,
        0x10F82...0x10F85, 0x11070...0x11070, 0x11073...0x11074, 0x110C2...0x110C2, 0x111C9...0x111C9,
        0x111CF...0x111CF, 0x1123E...0x1123E, 0x11241...0x11241, 0x1133B...0x1133B, 0x113BB...0x113C0,
        0x113CE...0x113CE, 0x113D0...0x113D0, 0x113D2...0x113D2, 0x113E1...0x113E2, 0x11438...0x1143F,
        0x11442...0x11444, 0x11446...0x11446, 0x1145E...0x1145E, 0x1182F...0x11837,
        0x11839...0x1183A, 0x11938...0x11938, 0x1193B...0x1193C, 0x1193E...0x1193E, 0x11943...0x11943,
        0x119D4...0x119D7, 0x119DA...0x119DB, 0x119E0...0x119E0, 0x11A01...0x11A0A, 0x11A33...0x11A38,
        0x11A3B...0x11A3E, 0x11A47...0x11A47, 0x11A51...0x11A56, 0x11A59...0x11A5B, 0x11A8A...0x11A96,
        0x11A98...0x11A99, 0x11B60...0x11B60, 0x11B62...0x11B64, 0x11B66...0x11B66, 0x11C30...0x11C36,
        0x11C38...0x11C3D, 0x11C3F...0x11C3F, 0x11C92...0x11CA7, 0x11CAA...0x11CB0, 0x11CB2...0x11CB3,
        0x11CB5...0x11CB6, 0x11D31...0x11D36, 0x11D3A...0x11D3A, 0x11D3C...0x11D3D, 0x11D3F...0x11D45,
        0x11D47...0x11D47, 0x11D90...0x11D91, 0x11D95...0x11D95, 0x11D97...0x11D97, 0x11EF3...0x11EF4,
        0x11F00...0x11F01, 0x11F36...0x11F3A, 0x11F40...0x11F40, 0x11F42...0x11F42, 0x11F5A...0x11F5A,
        0x13440...0x13440, 0x13447...0x13455, 0x1611E...0x16129, 0x1612D...0x1612F, 0x16F4F...0x16F4F,
        0x16FE4...0x16FE4, 0x1CF00...0x1CF2D, 0x1CF30...0x1CF46, 0x1E000...0x1E006, 0x1E008...0x1E018,
        0x1E01B...0x1E021, 0x1E023...0x1E024, 0x1E026...0x1E02A, 0x1E08F...0x1E08F, 0x1E130...0x1E136,
        0x1E2AE...0x1E2AE, 0x1E2EC...0x1E2EF, 0x1E4EC...0x1E4EF, 0x1E5EE...0x1E5EF, 0x1E6E3...0x1E6E3,
        0x1E6E6...0x1E6E6, 0x1E6EE...0x1E6EF, 0x1E6F5...0x1E6F5, 0x1E944...0x1E94A
    ]
}
