import CheckpointIO
import Foundation

/// Shared pieces of the libFuzzer targets under `Fuzz/`.
///
/// Each target's `main.swift` defines `LLVMFuzzerTestOneInput` and hands it
/// to ``fuzzMain(_:)``. In the fuzz build (scripts/fuzz.sh:
/// `-sanitize=fuzzer,address -DFUZZING`) that runs libFuzzer's driver
/// (`LLVMFuzzerRunDriver`), with libFuzzer's flags and corpus directories.
/// SwiftPM links an executable's entry point in as `main` itself, so
/// libFuzzer's own `main` is not the one that runs; the driver is called
/// from Swift instead. In an ordinary `swift build` it replays the files
/// named on the command line (or every file of a named directory) through
/// the target once each, so a corpus or a crash input can be checked without
/// the sanitizer toolchain.
public func fuzzMain(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    #if FUZZING
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
    #else
    var files: [String] = []
    for argument in CommandLine.arguments.dropFirst() {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            print("no such file: \(argument)")
            exit(1)
        }
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
            files += names.sorted().map { argument + "/" + $0 }
        } else {
            files.append(argument)
        }
    }
    for file in files {
        let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
        _ = bytes.withUnsafeBufferPointer { test($0.baseAddress, $0.count) }
    }
    print("replayed \(files.count) input(s)")
    exit(0)
    #endif
}

#if FUZZING
/// libFuzzer's entry for a program with its own `main` (compiler-rt FuzzerDriver.cpp).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// The input of one fuzzing iteration as a buffer (empty when `size` is 0).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
}

/// Reads every value of `t` the way the analyses do: real floats through
/// `decode` (which checks for NaN and infinity), integers and bools through
/// `readIntegers`; other dtypes are skipped by the toolkit and here.
/// Errors are the expected outcome for bad data and are ignored.
public func readAllValues(_ t: TensorDescriptor) {
    if t.dtype.isReadableReal {
        _ = try? t.decode(chunkElements: 64) { _, _ in }
    } else {
        switch t.dtype {
        case .bool, .u8, .i8, .u16, .i16, .u32, .i32, .u64, .i64: _ = try? t.readIntegers()
        default: break
        }
    }
}
