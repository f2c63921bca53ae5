import CheckpointIO
import _FuzzSupport

// The .npy reader: magic, version, header length, the header dict literal
// (descr, fortran_order, shape), then the values in either order and byte order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let file = try? NPYFile(path: "fuzz.npy", name: "fuzz", bytes: fuzzInput(data, size)) else { return 0 }
    readAllValues(file.tensor)
    return 0
}

fuzzMain(fuzzNPY)
