/// The dictionary literal of an `.npy` header, parsed without evaluating
/// Python: `{'descr': <str>, 'fortran_order': <bool>, 'shape': (<int>, …)}`.
/// Anything else (a list `descr` of a structured dtype, extra keys, other
/// value types) is rejected.
internal struct NPYHeader {
    struct Failure: Error { let message: String }

    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    init(parsing text: String) throws(Failure) {
        var s = Scanner(Array(text.utf8))
        s.skipSpace()
        guard s.take("{") else { throw Failure(message: "is not a dict literal") }
        var keys = Set<String>()
        while true {
            s.skipSpace()
            if s.take("}") { break }
            guard let key = s.quoted() else { throw Failure(message: "has a key that is not a quoted string") }
            s.skipSpace()
            guard s.take(":") else { throw Failure(message: "lacks ':' after key '\(key)'") }
            s.skipSpace()
            switch key {
            case "descr":
                guard let v = s.quoted() else { throw Failure(message: "has a 'descr' that is not a string (structured dtypes are not supported)") }
                descr = v
            case "fortran_order":
                if s.take("True") { fortranOrder = true } else if s.take("False") { fortranOrder = false } else {
                    throw Failure(message: "has a 'fortran_order' that is not True or False")
                }
            case "shape":
                guard s.take("(") else { throw Failure(message: "has a 'shape' that is not a tuple") }
                var dims: [Int] = []
                while true {
                    s.skipSpace()
                    if s.take(")") { break }
                    guard let d = s.integer() else { throw Failure(message: "has a 'shape' entry that is not a non-negative integer") }
                    dims.append(d)
                    s.skipSpace()
                    if s.take(",") { continue }
                    guard s.take(")") else { throw Failure(message: "has a malformed 'shape' tuple") }
                    break
                }
                shape = dims
            default:
                throw Failure(message: "has an unexpected key '\(key)'")
            }
            keys.insert(key)
            s.skipSpace()
            if s.take(",") { continue }
            s.skipSpace()
            guard s.take("}") else { throw Failure(message: "lacks ',' or '}' after key '\(key)'") }
            break
        }
        for required in ["descr", "fortran_order", "shape"] where !keys.contains(required) {
            throw Failure(message: "has no '\(required)' key")
        }
    }

    /// The dtype and whether it is big-endian, for the real float, integer
    /// and bool descrs (`f2 f4 f8`, `i1 u1 i2 u2 i4 u4 i8 u8`, `b1`).
    var dtype: (DType, Bool)? {
        guard descr.count == 3 else { return nil }
        let order = descr.first!
        let bigEndian: Bool
        switch order {
        case "<", "=", "|": bigEndian = false   // this toolkit runs on little-endian hosts
        case ">": bigEndian = true
        default: return nil
        }
        switch descr.dropFirst() {
        case "f2": return (.f16, bigEndian)
        case "f4": return (.f32, bigEndian)
        case "f8": return (.f64, bigEndian)
        case "b1": return (.bool, false)
        case "i1": return (.i8, false)
        case "u1": return (.u8, false)
        case "i2": return (.i16, bigEndian)
        case "u2": return (.u16, bigEndian)
        case "i4": return (.i32, bigEndian)
        case "u4": return (.u32, bigEndian)
        case "i8": return (.i64, bigEndian)
        case "u8": return (.u64, bigEndian)
        default: return nil
        }
    }

    private struct Scanner {
        let b: [UInt8]
        var i = 0
        init(_ b: [UInt8]) { self.b = b }
        mutating func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x09 || b[i] == 0x0D { i += 1 } }
        mutating func take(_ lit: String) -> Bool {
            let u = Array(lit.utf8)
            guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { return false }
            i += u.count
            return true
        }
        mutating func quoted() -> String? {
            guard i < b.count, b[i] == UInt8(ascii: "'") || b[i] == UInt8(ascii: "\"") else { return nil }
            let q = b[i]
            var j = i + 1
            while j < b.count, b[j] != q { j += 1 }
            guard j < b.count else { return nil }
            let s = String(decoding: b[(i + 1)..<j], as: UTF8.self)
            i = j + 1
            return s
        }
        mutating func integer() -> Int? {
            let start = i
            while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
            if i < b.count, b[i] == UInt8(ascii: "L") { defer { i += 1 }; return Int(String(decoding: b[start..<i], as: UTF8.self)) }
            return i > start ? Int(String(decoding: b[start..<i], as: UTF8.self)) : nil
        }
    }
}
