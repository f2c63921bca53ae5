/// A memory-mapped `.safetensors` file, validated as the reference reader
/// (huggingface/safetensors) validates it.
///
/// Format: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON header
/// `{"__metadata__": {str: str}?, name: {"dtype", "shape", "data_offsets": [begin, end]}}`,
/// then the data buffer; offsets are relative to the buffer start, tensors
/// tile it contiguously from 0, and it ends at end of file. Data are
/// little-endian, C order.
///
/// Checks, in order: empty file; fewer than 8 bytes; N > 100,000,000;
/// header past end of file; UTF-8; JSON; object; each entry's fields and
/// types; known dtype; non-negative dims; element count and byte size without
/// 64-bit overflow; begin ≤ end; contiguous tiling from 0 (no hole, no
/// overlap); `end − begin` = elements × dtype size; data within the file; no
/// bytes left after the last tensor.
public struct SafetensorsFile: Sendable {
    /// The largest header the reference reader accepts, in bytes.
    public static let maximumHeaderLength = 100_000_000

    /// The file's path.
    public let path: String
    /// The file's size in bytes.
    public let byteCount: Int
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// The tensors, in order of their data offsets.
    public let tensors: [TensorDescriptor]

    /// Maps and validates the file at `path`. No tensor data is read.
    public init(path: String) throws(CheckpointError) {
        let region = try ByteRegion.map(path: path)
        try self.init(path: path, region: region)
    }

    /// Validates `bytes` as the contents of a file named `path` (fuzzing and
    /// tests): the same checks on an owned copy instead of a mapping.
    package init(path: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        try self.init(path: path, region: ByteRegion(copying: bytes))
    }

    internal init(path: String, region: ByteRegion) throws(CheckpointError) {
        self.path = path
        self.byteCount = region.count
        let size = region.count
        func fail(_ code: CheckpointError.Code, _ tensor: String? = nil, _ detail: String) -> CheckpointError {
            CheckpointError(code, path: path, tensor: tensor, detail)
        }
        if size == 0 { throw fail(.emptyFile, nil, "empty file (0 bytes), not a safetensors file") }
        if size < 8 { throw fail(.truncated, nil, "file of \(size) bytes is shorter than the 8-byte header length") }
        let n64 = region.withBytes(offset: 0, count: 8) { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        if n64 > UInt64(Self.maximumHeaderLength) {
            throw fail(.headerTooLarge, nil, "header length \(n64) exceeds the 100,000,000-byte limit")
        }
        let n = Int(n64)
        if n > size - 8 {
            throw fail(.truncated, nil, "header of \(n) bytes runs past the end of the \(size)-byte file")
        }
        let headerBytes = region.withBytes(offset: 8, count: n) { Array($0) }
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail(.invalidUTF8, nil, "header is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(headerBytes)
        } catch {
            throw fail(.invalidJSON, nil, "header is not valid JSON: \(error.message) at header byte \(error.offset)")
        }
        guard case let .object(members) = json else {
            throw fail(.headerNotObject, nil, "header is a JSON \(json.typeName), not an object")
        }

        struct Entry { let name: String; let dtype: DType; let shape: [Int]; let count: Int; let bytes: Int; let begin: Int; let end: Int }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        var seen = Set<String>()
        for (name, value) in members {
            if name == "__metadata__" {
                guard case let .object(pairs) = value else {
                    throw fail(.invalidEntry, nil, "__metadata__ is a JSON \(value.typeName), not an object of strings")
                }
                for (k, v) in pairs {
                    guard case let .string(s) = v else {
                        throw fail(.invalidEntry, nil, "__metadata__ value '\(k)' is a JSON \(v.typeName), not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            if !seen.insert(name).inserted { throw fail(.duplicateTensor, name, "appears twice in the header") }
            guard case .object = value else {
                throw fail(.invalidEntry, name, "entry is a JSON \(value.typeName), not an object")
            }
            guard let dtypeValue = value["dtype"] else { throw fail(.invalidEntry, name, "entry has no 'dtype' field") }
            guard let shapeValue = value["shape"] else { throw fail(.invalidEntry, name, "entry has no 'shape' field") }
            guard let offsetsValue = value["data_offsets"] else { throw fail(.invalidEntry, name, "entry has no 'data_offsets' field") }
            guard case let .string(dtypeName) = dtypeValue else {
                throw fail(.invalidEntry, name, "field 'dtype' is a JSON \(dtypeValue.typeName), not a string")
            }
            guard case let .array(dims) = shapeValue else {
                throw fail(.invalidEntry, name, "field 'shape' is a JSON \(shapeValue.typeName), not an array")
            }
            guard case let .array(offs) = offsetsValue else {
                throw fail(.invalidEntry, name, "field 'data_offsets' is a JSON \(offsetsValue.typeName), not an array")
            }
            guard offs.count == 2 else {
                throw fail(.invalidEntry, name, "field 'data_offsets' has \(offs.count) entries, expected [begin, end]")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail(.unknownDType, name, "unknown dtype '\(dtypeName)'")
            }
            var shape: [Int] = []
            for d in dims {
                guard d.isIntegerLiteral, case let .number(text) = d else {
                    throw fail(.invalidEntry, name, "field 'shape' holds \(d.typeName == "number" ? "a non-integer number" : "a JSON \(d.typeName)"), not an integer")
                }
                if text.hasPrefix("-") { throw fail(.invalidShape, name, "shape \(Self.render(dims)) has a negative dimension") }
                guard let v = Int(text) else {
                    throw fail(.elementCountOverflow, name, "shape dimension \(text) does not fit in 64 bits")
                }
                shape.append(v)
            }
            var offsets: [Int] = []
            for o in offs {
                guard o.isIntegerLiteral, case let .number(text) = o else {
                    throw fail(.invalidEntry, name, "field 'data_offsets' holds \(o.typeName == "number" ? "a non-integer number" : "a JSON \(o.typeName)"), not an integer")
                }
                guard !text.hasPrefix("-"), let v = Int(text) else {
                    throw fail(.invalidOffsets, name, "data offset \(text) is negative or does not fit in 64 bits")
                }
                offsets.append(v)
            }
            var count = 1
            for d in shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                if o { throw fail(.elementCountOverflow, name, "shape \(shape) has more elements than fit in 64 bits") }
                count = p
            }
            let (bits, o) = count.multipliedReportingOverflow(by: dtype.bitWidth)
            if o { throw fail(.elementCountOverflow, name, "shape \(shape) of \(dtype.rawValue) has more bytes than fit in 64 bits") }
            if bits % 8 != 0 {
                throw fail(.sizeMismatch, name, "\(count) elements of \(dtype.rawValue) do not fill a whole number of bytes")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, count: count, bytes: bits / 8,
                                 begin: offsets[0], end: offsets[1]))
        }
        for e in entries where e.begin > e.end {
            throw fail(.invalidOffsets, e.name, "data_offsets [\(e.begin), \(e.end)] are reversed (begin > end)")
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for e in entries {
            if e.begin != expected {
                let what = expected == 0 && e.begin > 0 ? "the first tensor's data must start at offset 0"
                    : e.begin < expected ? "overlaps the previous tensor, which ends at \(expected)"
                    : "leaves a hole after the previous tensor, which ends at \(expected)"
                throw fail(.invalidOffsets, e.name, "data_offsets [\(e.begin), \(e.end)]: \(what)")
            }
            if e.end - e.begin != e.bytes {
                throw fail(.sizeMismatch, e.name,
                           "data_offsets [\(e.begin), \(e.end)] span \(e.end - e.begin) bytes but shape \(e.shape) of \(e.dtype.rawValue) needs \(e.bytes)")
            }
            expected = e.end
        }
        let dataStart = 8 + n
        let available = size - dataStart
        if let past = entries.first(where: { $0.end > available }) {
            throw fail(.truncated, past.name,
                       "data_offsets [\(past.begin), \(past.end)] run past the end of the file (buffer holds \(available) bytes)")
        }
        if expected < available {
            throw fail(.trailingBytes, nil, "\(available - expected) bytes after the last tensor are not covered by any tensor")
        }
        self.metadata = metadata
        self.tensors = entries.map {
            TensorDescriptor(name: $0.name, dtype: $0.dtype, shape: $0.shape, path: path, region: region,
                             byteOffset: dataStart + $0.begin, byteCount: $0.bytes, elementCount: $0.count)
        }
    }

    private static func render(_ dims: [JSONValue]) -> String {
        "[" + dims.map { if case let .number(t) = $0 { return t } else { return $0.typeName } }.joined(separator: ", ") + "]"
    }
}
