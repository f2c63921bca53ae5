import Foundation
import Dispatch
import LinearAlgebra
import XCTest
import _TestSupport

/// SVD.tallSingularValues (row-block TSQR, then `?gesdd` on R) against `?gesdd`
/// on the whole matrix and against the spectrum the matrix was built with.
final class TallSVDTests: XCTestCase {
    /// A column-major m×n matrix U·diag(σ)·Vᵀ with U (m×n) and V (n×n) orthonormal,
    /// from QR factors of deterministic pseudo-random matrices.
    func matrix(rows m: Int, spectrum σ: [Double], seed: UInt64) throws -> [Double] {
        let n = σ.count
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var g = Matrix<Double>(rows: m, cols: n)
        for i in 0..<m { for j in 0..<n { g[i, j] = next() } }
        var h = Matrix<Double>(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { h[i, j] = next() } }
        let u = try QR.decompose(g).q, v = try QR.decompose(h).q
        var us = u
        for i in 0..<m { for j in 0..<n { us[i, j] *= σ[j] } }
        let a = try GEMM.multiply(us, v, transposeB: true)
        var columnMajor = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { columnMajor[i + j * m] = a[i, j] } }
        return columnMajor
    }

    func tall(_ a: [Double], rows m: Int, cols n: Int,
              runParts: (Int, @escaping @Sendable (Int) -> Void) -> Void = SVD.serialParts) throws -> [Double] {
        var work = a
        return try work.withUnsafeMutableBufferPointer { try SVD.tallSingularValues(destroying: $0, rows: m, cols: n, runParts: runParts) }
    }

    func gesdd(_ a: [Double], rows m: Int, cols n: Int) throws -> [Double] {
        var work = a
        return try work.withUnsafeMutableBufferPointer { try SVD.singularValues(destroying: $0, rows: m, cols: n, order: .columnMajor) }
    }

    /// Spectra: smooth decay, geometric down to 1e-13 (tiny σ), and rank-deficient (exact zeros).
    func spectra(_ n: Int) -> [String: [Double]] {
        [
            "decaying": (0..<n).map { 3.0 / Double($0 + 1) },
            "geometric to 1e-13": (0..<n).map { pow(10, -13 * Double($0) / Double(n - 1)) },
            "rank-deficient": (0..<n).map { $0 < n / 3 ? 2.0 - Double($0) / Double(n) : 0 },
        ]
    }

    func testMatchesGesddAndTheKnownSpectrum() throws {
        for (m, n) in [(2003, 48), (400, 50), (4096, 7), (9, 1)] {
            XCTAssertTrue(SVD.prefersTallPath(rows: m, cols: n))
            for (label, σ) in spectra(n).sorted(by: { $0.key < $1.key }) where n > 1 || label == "decaying" {
                let a = try matrix(rows: m, spectrum: σ, seed: UInt64(m * 31 + n))
                let ours = try tall(a, rows: m, cols: n)
                let reference = try gesdd(a, rows: m, cols: n)
                XCTAssertEqual(ours.count, n)
                let top = reference[0]
                for i in 0..<n {
                    let what = "\(label) \(m)×\(n) σ\(i + 1)"
                    // Both are backward stable: relative 1e-12 where σ is not tiny, and 1e-12·σ₁
                    // absolute for tiny and zero σ (where neither can do better than ε·σ₁).
                    if reference[i] > 1e-4 * top {
                        assertClose(ours[i], reference[i], rtol: 1e-12, what + " vs gesdd")
                    } else {
                        assertClose(ours[i], reference[i], rtol: 0, atol: 1e-12 * top, what + " vs gesdd")
                    }
                    assertClose(ours[i], σ[i], rtol: 1e-12, atol: 1e-13 * top, what + " vs the known spectrum")
                    if i > 0 { XCTAssertGreaterThanOrEqual(ours[i - 1], ours[i], what + " descending") }
                }
            }
        }
    }

    /// The same bits whatever order and threads run the row blocks on: the parts, their
    /// buffers and the reduction tree are fixed by the shape, so every schedule runs the same
    /// LAPACK calls on the same data (bit identity is sound under any OpenBLAS kernel).
    func testBitIdenticalForAnyPartScheduling() throws {
        let (m, n) = (3001, 40)
        XCTAssertEqual(SVD.tallRowBlocks(rows: m, cols: n), 8)
        let a = try matrix(rows: m, spectrum: spectra(n)["geometric to 1e-13"]!, seed: 7)
        let serial = try tall(a, rows: m, cols: n)
        let reversed = try tall(a, rows: m, cols: n) { count, part in for i in (0..<count).reversed() { part(i) } }
        let concurrent = try tall(a, rows: m, cols: n) { count, part in
            DispatchQueue.concurrentPerform(iterations: count) { part($0) }
        }
        XCTAssertEqual(serial.map(\.bitPattern), reversed.map(\.bitPattern))
        XCTAssertEqual(serial.map(\.bitPattern), concurrent.map(\.bitPattern))
    }

    func testBlockCountDependsOnShapeOnly() {
        XCTAssertEqual(SVD.tallRowBlocks(rows: 30522, cols: 384), 8)
        XCTAssertEqual(SVD.tallRowBlocks(rows: 3072, cols: 384), 2)
        XCTAssertEqual(SVD.tallRowBlocks(rows: 100, cols: 0), 1)
        XCTAssertEqual(SVD.tallRowBlocks(rows: 1536, cols: 384), 1)
        XCTAssertTrue(SVD.prefersTallPath(rows: 1536, cols: 384))
        XCTAssertFalse(SVD.prefersTallPath(rows: 512, cols: 384))
        XCTAssertTrue(SVD.prefersTallPath(rows: 30522, cols: 384))
    }

    /// The panel-by-panel variant, whose matrix is written by `fill` one panel
    /// at a time, factors the same parts and panels as the in-place one and agrees
    /// with it, and with `?gesdd`, to a few ulps of σ₁. 4800 × 600 has 2 parts of
    /// 2400 rows, each in panels of 655, 655 and 1090 rows.
    ///
    /// Not bit identity: the two run the same LAPACK calls on buffers of other
    /// leading dimensions and alignment, and OpenBLAS kernels (SSE3 `Prescott`
    /// among them) take other paths for those, so the last bits differ on some
    /// CPUs. Bit identity is asserted only where both sides run the same
    /// operations on the same buffers (part scheduling, above).
    func testFillingPanelsMatchesInPlaceAndGesdd() throws {
        let (m, n) = (4800, 600)
        XCTAssertEqual(SVD.tallRowBlocks(rows: m, cols: n), 2)
        XCTAssertEqual(SVD.tallPanelRows(cols: n), 655)
        XCTAssertEqual(SVD.tallPanelRows(cols: 384), 1024)
        var state: UInt64 = 11
        var a = [Double](repeating: 0, count: m * n)
        for k in a.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Columns of decaying scale, so the spectrum spans several decades.
            a[k] = (Double(state >> 11) / Double(1 << 53) - 0.5) / Double(1 + (k / m) * (k / m))
        }
        let source = a
        let seen = PanelLog()
        let filled: [Double] = try SVD.tallSingularValues(rows: m, cols: n, runParts: { count, part in
            DispatchQueue.concurrentPerform(iterations: count) { part($0) }
        }) { p, rows, block in
            seen.add(part: p, rows: rows)
            for j in 0..<n { for i in rows { block[(i - rows.lowerBound) + j * rows.count] = source[i + j * m] } }
        }
        XCTAssertEqual(seen.panels, [[0..<655, 655..<1310, 1310..<2400], [2400..<3055, 3055..<3710, 3710..<4800]])
        let inPlace = try tall(a, rows: m, cols: n)
        let reference = try gesdd(a, rows: m, cols: n)
        // Both are backward stable, |Δσᵢ| ≤ c·ε·σ₁. Measured between the two variants: 1.5e-17·σ₁
        // under OpenBLAS's Prescott kernel, 0 under Haswell and Zen (2026-12); against gesdd ≤ 2.7e-16·σ₁.
        for i in 0..<n {
            assertClose(filled[i], inPlace[i], rtol: 0, atol: 1e-15 * reference[0], "σ\(i + 1) filled vs in place")
            assertClose(filled[i], reference[i], rtol: 0, atol: 1e-13 * reference[0], "σ\(i + 1) vs gesdd")
        }
        XCTAssertGreaterThan(reference[0] / reference[n - 1], 1e4, "the spectrum spans several decades")
    }

    /// An error from `fill` stops its part and is rethrown: the lowest part's, whichever finished first.
    func testFillingRethrowsTheLowestPartsError() throws {
        struct Bad: Error, Equatable { let part: Int }
        let (m, n) = (3001, 40)
        for order in [false, true] {
            XCTAssertThrowsError(try SVD.tallSingularValues(rows: m, cols: n, runParts: { count, part in
                for i in 0..<count { part(order ? count - 1 - i : i) }
            }) { (p: Int, _: Range<Int>, block: UnsafeMutableBufferPointer<Double>) in
                if p == 3 || p == 6 { throw Bad(part: p) }
                for k in block.indices { block[k] = Double(k % 7) }
            }) { XCTAssertEqual($0 as? Bad, Bad(part: 3)) }
        }
    }

    func testFloatAndNonFinite() throws {
        let (m, n) = (600, 20)
        let a = try matrix(rows: m, spectrum: (0..<n).map { 1.0 / Double($0 + 1) }, seed: 3)
        var f = a.map(Float.init)
        let s = try f.withUnsafeMutableBufferPointer { try SVD.tallSingularValues(destroying: $0, rows: m, cols: n) }
        for i in 0..<n { assertClose(Double(s[i]), 1.0 / Double(i + 1), rtol: 1e-5, atol: 1e-6, "Float σ\(i + 1)") }

        var bad = a
        bad[m * 3 + 5] = .nan
        XCTAssertThrowsError(try bad.withUnsafeMutableBufferPointer { try SVD.tallSingularValues(destroying: $0, rows: m, cols: n) }) {
            XCTAssertTrue("\($0)".contains("dgeqrt"), "\($0)")
        }
    }
}

/// The panels `fill` was asked for, by part, in call order.
private final class PanelLog: @unchecked Sendable {
    private let lock = NSLock()
    private var byPart: [Int: [Range<Int>]] = [:]
    func add(part: Int, rows: Range<Int>) {
        lock.lock()
        defer { lock.unlock() }
        byPart[part, default: []].append(rows)
    }
    var panels: [[Range<Int>]] { byPart.keys.sorted().map { byPart[$0]! } }
}
