import CheckpointIO
import _FuzzSupport

// The IDX reader, plain or gzip (header flags, deflate data, CRC-32 and
// length trailer), then the header (magic, type, sizes) and the values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let file = try? IDXFile(path: "fuzz.idx", bytes: fuzzInput(data, size)) else { return 0 }
    _ = file.doubleValues()
    if file.elementType == .uint8 { _ = file.uint8Values() }
    return 0
}

fuzzMain(fuzzIDX)
