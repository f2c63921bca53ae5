// The hot loop: special-token matching, normalization and pre-tokenization fused into one pass
// over the UTF-8 bytes (ASCII through two 128-entry tables, other scalars through their cached
// byte programs), then greedy longest-match WordPiece on each word's bytes, looked up by hash
// without building strings. Longest match starts at most `maxKeyLength` bytes ahead.
extension BertTokenizer {
    func appendIDs(of text: String, to ids: inout [Int32], word: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            guard let p = utf8.baseAddress, !utf8.isEmpty else { return }
            let n = utf8.count
            var segment = 0
            if !specials.isEmpty {
                var i = 0
                while i < n {
                    if specialFirstBytes[Int(p[i])], let (length, id) = matchSpecial(p + i, n - i) {
                        appendSegment(p + segment, i - segment, to: &ids, word: &word)
                        ids.append(id)
                        i += length
                        segment = i
                    } else {
                        i += 1
                    }
                }
            }
            appendSegment(p + segment, n - segment, to: &ids, word: &word)
        }
    }

    private func matchSpecial(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Int, Int32)? {
        for s in specials where s.bytes.count <= n {
            var equal = true
            for k in 0..<s.bytes.count where p[k] != s.bytes[k] { equal = false; break }
            if equal { return (s.bytes.count, s.id) }
        }
        return nil
    }

    private func appendSegment(_ p: UnsafePointer<UInt8>, _ n: Int, to ids: inout [Int32], word: inout [UInt8]) {
        word.removeAll(keepingCapacity: true)
        var scalars = 0
        var i = 0
        asciiAction.withUnsafeBufferPointer { action in
        asciiMapped.withUnsafeBufferPointer { mapped in
            while i < n {
                let b = p[i]
                if b < 0x80 {
                    switch action[Int(b)] {
                    case 3:
                        word.append(mapped[Int(b)])
                        scalars += 1
                    case 1:
                        flush(&word, &scalars, &ids)
                    case 2:
                        flush(&word, &scalars, &ids)
                        word.append(b)
                        scalars = 1
                        flush(&word, &scalars, &ids)
                    default:
                        break
                    }
                    i += 1
                    continue
                }
                // A multi-byte scalar (the String's bytes are valid UTF-8).
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                var v = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length { v = (v << 6) | (UInt32(p[i + k]) & 0x3F) }
                i += length
                let program = normalizations.program(v)
                var j = 0
                while j < program.count {
                    let op = program[j]
                    if op == ScalarNormalizations.boundary {
                        flush(&word, &scalars, &ids)
                        j += 1
                        continue
                    }
                    let count = Int(program[j + 1])
                    if op == ScalarNormalizations.isolated { flush(&word, &scalars, &ids) }
                    word.append(contentsOf: program[(j + 2)..<(j + 2 + count)])
                    scalars += 1
                    if op == ScalarNormalizations.isolated { flush(&word, &scalars, &ids) }
                    j += 2 + count
                }
            }
        }
        }
        flush(&word, &scalars, &ids)
    }

    @inline(__always)
    private func flush(_ word: inout [UInt8], _ scalars: inout Int, _ ids: inout [Int32]) {
        if word.isEmpty { return }
        word.withUnsafeBufferPointer { w in appendWordPieces(w, scalars: scalars, to: &ids) }
        word.removeAll(keepingCapacity: true)
        scalars = 0
    }

    /// Greedy longest-match-first WordPiece of one word (`w`, `scalars` Unicode scalars long).
    private func appendWordPieces(_ w: UnsafeBufferPointer<UInt8>, scalars: Int, to ids: inout [Int32]) {
        if scalars > options.maxInputCharsPerWord {
            ids.append(unknownID)
            return
        }
        let p = w.baseAddress!
        let n = w.count
        let mark = ids.count
        var start = 0
        while start < n {
            let longest = start == 0 ? wordStarts.maxKeyLength : continuations.maxKeyLength
            var end = min(n, start + longest)
            while end > start && end < n && (p[end] & 0xC0) == 0x80 { end -= 1 }
            var found: Int32 = -1
            while end > start {
                found = start == 0 ? wordStarts.lookup(p, end) : continuations.lookup(p + start, end - start)
                if found >= 0 { break }
                end -= 1
                while end > start && (p[end] & 0xC0) == 0x80 { end -= 1 }
            }
            if found < 0 {
                ids.removeSubrange(mark...)
                ids.append(unknownID)
                return
            }
            ids.append(found)
            start = end
        }
    }
}
