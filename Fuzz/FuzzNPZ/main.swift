import CheckpointIO
import _FuzzSupport

// The .npz reader: the zip archive (ZIPFoundation, from a file, as in use),
// each .npy member inflated and parsed, then its values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzScratch.write(fuzzInput(data, size), name: "input.npz")
    guard let archive = try? NPZArchive(path: path) else { return 0 }
    for t in archive.tensors { readAllValues(t) }
    return 0
}

fuzzMain(fuzzNPZ)
