import CheckpointIO
import Foundation
import XCTest
import _TestSupport

/// Inputs that the fuzz targets (Fuzz/README.md) or the review of their
/// findings turned up, committed under `Tests/Fixtures/fuzz-regressions`
/// (made by `make_regressions.py`, which says what each one broke). Here
/// each must give its specific, one-line error naming the file, or read
/// correctly. The sanitizer half of each check (no overread, no leak) is
/// `make fuzz`, which replays these files as seeds.
final class FuzzRegressionTests: XCTestCase {
    func expectError(_ file: String, _ code: CheckpointError.Code, containing words: String,
                     _ open: (String) throws -> Void, line: UInt = #line) {
        let path = Fixtures.path("fuzz-regressions/" + file)
        XCTAssertThrowsError(try open(path), file: #filePath, line: line) { error in
            guard let e = error as? CheckpointError else { return XCTFail("\(file): \(type(of: error)): \(error)", line: line) }
            XCTAssertEqual(e.code, code, "\(file): \(e)", line: line)
            XCTAssertTrue(e.description.hasPrefix(path), "\(file): must name the file: \(e)", line: line)
            XCTAssertTrue(e.description.contains(words), "\(file): must say '\(words)': \(e)", line: line)
            XCTAssertFalse(e.description.contains("\n"), "\(file): one line: \(e)", line: line)
        }
    }

    /// ASan heap-buffer-overflow in zlib's inflate: a stored block longer than the file.
    func testGzipStoredBlockPastEndIsCutShort() {
        expectError("idx-gzip-stored-block-past-end.idx.gz", .truncated, containing: "gzip: deflate data end before") {
            _ = try IDXFile(path: $0)
        }
    }

    /// FEXTRA length FE 01 (510): the header is skipped by 2 + 510 bytes, not 256.
    func testGzipExtraFieldLengthUsesBothBytes() throws {
        let file = try IDXFile(path: Fixtures.path("fuzz-regressions/idx-gzip-extra-field-510.idx.gz"))
        XCTAssertEqual(file.shape, [3])
        XCTAssertEqual(file.uint8Values(), [7, 8, 9])
    }

    /// LeakSanitizer: opening an archive leaked its path; an empty archive has no arrays.
    func testEmptyZipArchiveHasNoArrays() throws {
        XCTAssertEqual(try NPZArchive(path: Fixtures.path("fuzz-regressions/npz-empty-archive.npz")).tensors.count, 0)
    }

    /// A deflated member cut short by its recorded compressed size.
    func testNPZMemberCutShortNamesTheMember() {
        expectError("npz-deflate-cut-short.npz", .invalidArchive, containing: "member w.npy cannot be extracted: member 'w.npy': deflate data are cut short") {
            _ = try NPZArchive(path: $0)
        }
    }

    /// The archive reader that replaced ZIPFoundation reads NumPy's force_zip64 members.
    func testNumPyArchiveStillReads() throws {
        let archive = try NPZArchive(path: Fixtures.path("fuzz-regressions/npz-numpy-zip64.npz"))
        XCTAssertEqual(archive.tensors.map(\.name), ["a", "labels"])
        XCTAssertEqual(try archive.tensors[0].readDoubles(), [1, 2, 3, 4])
        XCTAssertEqual(try archive.tensors[1].readIntegers(), [3, 1])
    }

    /// The in-memory entry points the fuzz targets use agree with the file readers.
    func testInMemoryEntryPointsMatchTheFileReaders() throws {
        let path = Fixtures.path("fuzz-regressions/npz-numpy-zip64.npz")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let fromBytes = try bytes.withUnsafeBytes { try NPZArchive(path: path, bytes: $0) }
        XCTAssertEqual(fromBytes.tensors.map(\.shape), try NPZArchive(path: path).tensors.map(\.shape))
    }
}
