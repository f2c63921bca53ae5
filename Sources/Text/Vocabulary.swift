/// A WordPiece vocabulary: the tokens of a `vocab.txt`, one per line, the id of a token being its
/// zero-based line index.
///
/// Lines end at `\n`, `\r\n` or `\r` (as Python's text-mode `readlines()` reads them, which is how
/// `transformers` loads the file); nothing else is stripped. A token on two lines has the id of
/// the later line (`transformers` builds a dictionary), while ``tokens`` keeps every line.
public struct Vocabulary: Sendable {
    /// Every token by id: `tokens[id]` is the token of line `id + 1`.
    public let tokens: [String]
    private let idsByToken: [String: Int32]

    /// Reads a `vocab.txt`.
    ///
    /// - Throws: ``TextError/Code/unreadable``; ``TextError/Code/invalidUTF8`` naming the line;
    ///   ``TextError/Code/invalidVocabulary`` for a file without tokens.
    public init(path: String) throws(TextError) {
        try self.init(path: path, bytes: FileBytes.read(path))
    }

    /// A vocabulary from the bytes of a `vocab.txt` (``init(path:)`` without the file system).
    package init(path: String, bytes: [UInt8]) throws(TextError) {
        var tokens: [String] = []
        var start = 0, i = 0
        func take(_ end: Int) throws(TextError) {
            guard let token = String(validating: bytes[start..<end], as: UTF8.self) else {
                throw TextError(.invalidUTF8, path: path, line: tokens.count + 1, "the token is not valid UTF-8")
            }
            tokens.append(token)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {
                try take(i)
                i += (b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { try take(bytes.count) }
        if tokens.isEmpty { throw TextError(.invalidVocabulary, path: path, "the vocabulary has no tokens") }
        self.init(tokens: tokens)
    }

    /// A vocabulary of `tokens`, token `tokens[i]` having id `i` (a repeated token the last id).
    public init(tokens: [String]) {
        precondition(tokens.count < Int(Int32.max), "Vocabulary: too many tokens")
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { ids[t] = Int32(i) }
        idsByToken = ids
    }

    /// The number of ids (lines), the `vocab_size` of a model using it.
    public var count: Int { tokens.count }

    /// The id of `token`, or `nil` when the vocabulary lacks it.
    public func id(of token: String) -> Int32? { idsByToken[token] }

    /// The token of `id` (`0 ..< count`).
    public subscript(id: Int32) -> String { tokens[Int(id)] }
}
