/// An open-addressing hash table from byte strings (UTF-8 tokens) to ids, looked up
/// straight from a buffer of bytes without building a `String`: the WordPiece hot loop.
///
/// Keys are stored end to end in one array; slots hold an entry index + 1 (0 = empty);
/// linear probing in a power-of-two table at most half full. A key inserted twice keeps
/// the later id (as a Python dict built from `vocab.txt` does).
struct ByteTable: Sendable {
    private var keyBytes: [UInt8] = []
    private var keyStart: [Int32] = []
    private var keyLength: [Int32] = []
    private var values: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    /// The length in bytes of the longest key.
    private(set) var maxKeyLength = 0

    init(capacity: Int) {
        var size = 16
        while size < 2 * max(capacity, 1) { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    /// FNV-1a over the bytes, finished with a multiply–xorshift so the low bits mix.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        return h ^ (h >> 32)
    }

    /// Adds `key` with `value`, replacing the value of an equal key.
    mutating func insert(_ key: [UInt8], value: Int32) {
        let h = key.withUnsafeBufferPointer { ByteTable.hash($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 {
            let e = Int(slots[i] - 1)
            if hashes[e] == h && Int(keyLength[e]) == key.count
                && keyBytes[Int(keyStart[e])..<Int(keyStart[e]) + key.count].elementsEqual(key) {
                values[e] = value
                return
            }
            i = (i + 1) & mask
        }
        keyStart.append(Int32(keyBytes.count))
        keyLength.append(Int32(key.count))
        keyBytes.append(contentsOf: key)
        values.append(value)
        hashes.append(h)
        slots[i] = Int32(values.count)
        maxKeyLength = max(maxKeyLength, key.count)
        if 2 * values.count > slots.count { grow() }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for e in 0..<values.count {
            var i = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(e + 1)
        }
    }

    /// The value of the key `p[0..<n]`, or -1.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        if n == 0 || n > maxKeyLength { return -1 }
        let h = ByteTable.hash(p, n)
        return slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBufferPointer { bytes in
                keyLength.withUnsafeBufferPointer { lengths in
                    var i = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let s = slots[i]
                        if s == 0 { return -1 }
                        let e = Int(s - 1)
                        if Int(lengths[e]) == n && hashes[e] == h
                            && memcmpBytes(bytes.baseAddress! + Int(keyStart[e]), p, n) {
                            return values[e]
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    @inline(__always)
    private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for i in 0..<n where a[i] != b[i] { return false }
        return true
    }
}
