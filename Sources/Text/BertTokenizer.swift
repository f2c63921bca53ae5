/// BERT's WordPiece tokenizer, giving the ids of Hugging Face's `BertTokenizerFast` (the Rust
/// `tokenizers` pipeline: `BertNormalizer`, `BertPreTokenizer`, `WordPiece`, the BERT template).
///
/// The pipeline, on the UTF-8 bytes of the text:
/// 1. **Special tokens** (`[PAD] [UNK] [CLS] [SEP] [MASK]`, those in the vocabulary) are found in
///    the raw text, longest first, and become their ids unsplit.
/// 2. **Normalization** of the text between them: NUL, U+FFFD and control/format/private-use
///    characters are removed, white space becomes a space; each CJK ideograph is set apart;
///    with ``BertTokenizerOptions/stripsAccents`` the text is decomposed (NFD) and non-spacing
///    marks are removed; with ``BertTokenizerOptions/doLowerCase`` it is lower-cased.
/// 3. **Pre-tokenization**: words split at white space; each punctuation character (ASCII
///    33–47, 58–64, 91–96, 123–126 and Unicode P*) is a word of its own.
/// 4. **WordPiece**, greedy longest match first: a word's first piece is any token, each
///    following piece a `##` token; a word longer than
///    ``BertTokenizerOptions/maxInputCharsPerWord`` Unicode scalars, or one that cannot be
///    covered, becomes the unknown token.
///
/// Where `BertTokenizerFast` and the slow Python `BertTokenizer` differ, this follows the fast one:
/// accents are stripped before lower-casing; U+000B, U+000C and U+0085 are removed (not spaces);
/// U+2028/U+2029 are spaces; CJK extension E starts at U+2B920; Unicode categories are those of
/// Unicode 8 (the `unicode_categories` crate); pairs are truncated by `tokenizers`' `LongestFirst`
/// rule (see ``encode(_:pair:maxLength:)``).
///
/// The value is immutable and `Sendable`; encode from as many threads as you like.
public struct BertTokenizer: Sendable {
    /// The vocabulary.
    public let vocabulary: Vocabulary
    /// The settings.
    public let options: BertTokenizerOptions
    /// The id of the unknown token.
    public let unknownID: Int32
    /// The id of the class token that starts every encoding.
    public let classID: Int32
    /// The id of the separator token that ends each segment.
    public let separatorID: Int32
    /// The id of the padding token.
    public let paddingID: Int32

    let wordStarts: ByteTable
    let continuations: ByteTable
    let specials: [(bytes: [UInt8], id: Int32)]
    let specialFirstBytes: [Bool]
    /// Per ASCII byte: 0 remove, 1 end of word, 2 punctuation, 3 append `asciiMapped[b]`.
    let asciiAction: [UInt8]
    let asciiMapped: [UInt8]
    let normalizations: ScalarNormalizations

    /// The tokenizer of a Hugging Face model folder: `vocab.txt`, and `tokenizer_config.json`
    /// when present (otherwise ``BertTokenizerOptions/init()``'s defaults).
    ///
    /// - Throws: ``TextError`` for an unreadable or malformed file, or a vocabulary lacking the
    ///   unknown, class, separator or padding token.
    public init(directory: String) throws(TextError) {
        let vocabPath = directory + "/vocab.txt"
        let configPath = directory + "/tokenizer_config.json"
        let options = FileBytes.exists(configPath) ? try BertTokenizerOptions(tokenizerConfigPath: configPath) : BertTokenizerOptions()
        try self.init(vocabulary: Vocabulary(path: vocabPath), options: options, vocabularyPath: vocabPath)
    }

    /// A tokenizer of `vocabulary` with `options`; `vocabularyPath` names the vocabulary in errors.
    ///
    /// - Throws: ``TextError/Code/invalidVocabulary`` when the vocabulary lacks the unknown,
    ///   class, separator or padding token.
    public init(vocabulary: Vocabulary, options: BertTokenizerOptions = BertTokenizerOptions(),
                vocabularyPath: String = "vocab.txt") throws(TextError) {
        precondition(options.maxInputCharsPerWord >= 1, "BertTokenizer: maxInputCharsPerWord must be at least 1")
        func required(_ token: String, _ role: String) throws(TextError) -> Int32 {
            guard let id = vocabulary.id(of: token) else {
                throw TextError(.invalidVocabulary, path: vocabularyPath, "the vocabulary lacks the \(role) token '\(token)'")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.options = options
        unknownID = try required(options.unknownToken, "unknown")
        classID = try required(options.classToken, "class")
        separatorID = try required(options.separatorToken, "separator")
        paddingID = try required(options.paddingToken, "padding")

        var starts = ByteTable(capacity: vocabulary.count)
        var pieces = ByteTable(capacity: vocabulary.count / 4)
        for (i, token) in vocabulary.tokens.enumerated() {
            let bytes = Array(token.utf8)
            starts.insert(bytes, value: Int32(i))
            if bytes.count > 2 && bytes[0] == 0x23 && bytes[1] == 0x23 {
                pieces.insert(Array(bytes[2...]), value: Int32(i))
            }
        }
        // Later lines win in both tables, so a repeated token's id is its last line's (as in
        // the vocabulary); insert in line order.
        wordStarts = starts
        continuations = pieces

        var seen = Set<String>()
        var specials: [(bytes: [UInt8], id: Int32)] = []
        for t in options.specialTokens where !t.isEmpty && seen.insert(t).inserted {
            if let id = vocabulary.id(of: t) { specials.append((Array(t.utf8), id)) }
        }
        specials.sort { $0.bytes.count > $1.bytes.count }
        self.specials = specials
        var first = [Bool](repeating: false, count: 256)
        for s in specials { first[Int(s.bytes[0])] = true }
        specialFirstBytes = first

        var action = [UInt8](repeating: 3, count: 128)
        var mapped = [UInt8](repeating: 0, count: 128)
        for b in 0..<128 {
            let s = Unicode.Scalar(UInt8(b))
            mapped[b] = options.doLowerCase && (65...90).contains(b) ? UInt8(b + 32) : UInt8(b)
            if BertCharacters.isRemoved(s) { action[b] = 0 }
            else if BertCharacters.isWhitespace(s) { action[b] = 1 }
            else if BertCharacters.isPunctuation(s) { action[b] = 2 }
        }
        asciiAction = action
        asciiMapped = mapped
        normalizations = ScalarNormalizations(options: options)
    }

    /// The WordPiece ids of `text`, without special tokens around it (special tokens written in
    /// the text are kept as their ids): `tokenizer(text, add_special_tokens=False)["input_ids"]`.
    public func wordPieceIDs(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 4 + 4)
        var word: [UInt8] = []
        word.reserveCapacity(64)
        appendIDs(of: text, to: &ids, word: &word)
        return ids
    }

    /// The tokens of `text` (WordPiece pieces with their `##`), without special tokens around it:
    /// `tokenizer.tokenize(text)`.
    public func tokenize(_ text: String) -> [String] {
        wordPieceIDs(text).map { vocabulary[$0] }
    }

    /// `text` (and `pair`) encoded with special tokens: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`.
    ///
    /// With `maxLength`, the encoding holds at most `maxLength` tokens, special ones included. A
    /// single text keeps its first `maxLength − 2` pieces. A pair longer than the budget
    /// L = `maxLength − 3` is cut as `tokenizers`' `LongestFirst` strategy does
    /// (`BertTokenizerFast(a, b, truncation=True, max_length=…)`): with s ≤ t the two lengths, the
    /// longer keeps max(s, L − s) pieces (when s ≤ L) and the shorter all of its s; when that
    /// still exceeds L, the first text keeps ⌊L/2⌋ pieces and the second ⌈L/2⌉. So 6 + 2 pieces
    /// with L = 5 keep 3 + 2, and 4 + 4 keep 2 + 3 (the slow tokenizer, removing one token at a
    /// time from the longer and from the second on ties, keeps 3 + 2).
    ///
    /// - Precondition: `maxLength` ≥ 2 for a single text, ≥ 3 for a pair.
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil) -> TokenEncoding {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 4 + 8)
        var word: [UInt8] = []
        word.reserveCapacity(64)
        return encode(text, pair: pair, maxLength: maxLength, ids: &ids, word: &word)
    }

    /// Encodes every text (with `pairs[i]` as its pair, if given) and pads them to the longest:
    /// `BertTokenizerFast(texts, pairs, padding=True, truncation=…, max_length=…)`.
    ///
    /// - Precondition: `pairs` is `nil` or as long as `texts`; `maxLength` as in ``encode(_:pair:maxLength:)``.
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int? = nil) -> EncodedBatch {
        precondition(pairs == nil || pairs!.count == texts.count, "BertTokenizer.encodeBatch: \(texts.count) texts but \(pairs!.count) pairs")
        var ids: [Int32] = []
        var word: [UInt8] = []
        word.reserveCapacity(64)
        var encodings: [TokenEncoding] = []
        encodings.reserveCapacity(texts.count)
        for (i, t) in texts.enumerated() {
            encodings.append(encode(t, pair: pairs?[i], maxLength: maxLength, ids: &ids, word: &word))
        }
        return EncodedBatch(encodings, paddingID: paddingID)
    }

    func encode(_ text: String, pair: String?, maxLength: Int?, ids: inout [Int32], word: inout [UInt8]) -> TokenEncoding {
        ids.removeAll(keepingCapacity: true)
        appendIDs(of: text, to: &ids, word: &word)
        let aLength = ids.count
        if let pair { appendIDs(of: pair, to: &ids, word: &word) }
        let bLength = ids.count - aLength
        var keepA = aLength, keepB = bLength
        if let maxLength {
            let budget = maxLength - (pair == nil ? 2 : 3)
            precondition(budget >= 0, "BertTokenizer.encode: maxLength \(maxLength) is shorter than the special tokens")
            if pair == nil {
                keepA = min(aLength, budget)
            } else if aLength + bLength > budget {
                (keepA, keepB) = Self.longestFirst(aLength, bLength, budget: budget)
            }
        }
        var out: [Int32] = []
        out.reserveCapacity(keepA + keepB + 3)
        out.append(classID)
        out.append(contentsOf: ids[0..<keepA])
        out.append(separatorID)
        var types = [Int32](repeating: 0, count: out.count)
        if pair != nil {
            out.append(contentsOf: ids[aLength..<aLength + keepB])
            out.append(separatorID)
            types.append(contentsOf: repeatElement(1, count: keepB + 1))
        }
        return TokenEncoding(inputIDs: out, tokenTypeIDs: types)
    }

    /// `tokenizers`' `LongestFirst` lengths for a pair of nₐ and n_b pieces within `budget`.
    static func longestFirst(_ na: Int, _ nb: Int, budget: Int) -> (Int, Int) {
        var first = na, second = nb
        let swapped = first > second
        if swapped { swap(&first, &second) }
        second = first > budget ? first : max(first, budget - first)
        if first + second > budget {
            first = budget / 2
            second = first + budget % 2
        }
        if swapped { swap(&first, &second) }
        return (min(first, na), min(second, nb))
    }
}
