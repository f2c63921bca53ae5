import CheckpointIO
import _FuzzSupport

// The safetensors reader: header length, header JSON, entries (dtype, shape,
// data_offsets), the tiling of the data buffer, then every tensor's values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let file = try? SafetensorsFile(path: "fuzz.safetensors", bytes: fuzzInput(data, size)) else { return 0 }
    for t in file.tensors {
        readAllValues(t)
        _ = t.multiIndex(max(0, t.elementCount - 1))
    }
    return 0
}

fuzzMain(fuzzSafetensors)
