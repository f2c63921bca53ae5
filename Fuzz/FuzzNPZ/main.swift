import CheckpointIO
import _FuzzSupport

// The .npz reader: the zip central directory (ZIP64 included), each .npy
// member located, inflated and checked, then parsed, then its values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let archive = try? NPZArchive(path: "fuzz.npz", bytes: fuzzInput(data, size)) else { return 0 }
    for t in archive.tensors { readAllValues(t) }
    return 0
}

fuzzMain(fuzzNPZ)
