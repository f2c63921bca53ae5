import Foundation
import LinearAlgebra
import Projections
import XCTest
import _TestSupport

/// Dense, sparse and Fastfood P against the NumPy reimplementation of
/// `RandomStreams.md` (`make_projection_fixtures.py`), driven by the same
/// Philox draws and rounded correctly from exact arithmetic.
final class ProjectionReferenceTests: XCTestCase {
    func make(_ kind: ProjectionDescriptor.Kind, D: Int, d: Int, seed: UInt64, group: Int = 0,
              blockLength: Int? = nil, budget: Int = 1 << 28) throws -> any Projection {
        try ProjectionDescriptor(kind: kind, fullDimension: D, subspaceDimension: d, seed: seed, group: group,
                                 blockLength: blockLength).make(memoryBudget: budget)
    }

    /// P materialised by applying it to each basis vector, row-major D×d.
    func materialize(_ p: any Projection) -> [Double] {
        let (D, d) = (p.fullDimension, p.subspaceDimension)
        var out = [Double](repeating: 0, count: D * d)
        for j in 0..<d {
            var e = [Double](repeating: 0, count: d)
            e[j] = 1
            let col: [Double] = p.apply(e)
            for i in 0..<D { out[i * d + j] = col[i] }
        }
        return out
    }

    func assertArraysClose(_ a: [Double], _ b: [Double], atol: Double, _ label: String,
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, label, file: file, line: line)
        var worst = 0.0
        for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
        XCTAssertLessThanOrEqual(worst, atol, "\(label): max |Δ| = \(worst)", file: file, line: line)
    }

    func checkAgainstReference(_ p: any Projection, prefix: String, atol: Double = 1e-13) throws {
        assertArraysClose(materialize(p), try Fixtures.npyDoubles("projections/\(prefix)_P.npy"), atol: atol, "\(prefix) P")
        let x = try Fixtures.npyDoubles("projections/\(prefix)_x.npy")
        let y = try Fixtures.npyDoubles("projections/\(prefix)_y.npy")
        assertArraysClose(p.apply(x), try Fixtures.npyDoubles("projections/\(prefix)_Px.npy"), atol: atol * 10, "\(prefix) P·x")
        assertArraysClose(p.applyTranspose(y), try Fixtures.npyDoubles("projections/\(prefix)_PTy.npy"), atol: atol * 100, "\(prefix) Pᵀ·y")
    }

    func testFastfoodDrawsAndMatrix() throws {
        let p = try XCTUnwrap(make(.fastfood, D: 1000, d: 37, seed: 11) as? FastfoodProjection)
        XCTAssertEqual(p.blockLength, 1024)
        let draws = p.draws(block: 0)
        XCTAssertEqual(draws.signs, Array(try Fixtures.npyDoubles("projections/ff_B.npy")[0..<37]))
        XCTAssertEqual(draws.permutation, try Fixtures.npyInts("projections/ff_perm.npy"))
        assertArraysClose(draws.gaussian, try Fixtures.npyDoubles("projections/ff_G.npy"), atol: 1e-14, "G")
        try checkAgainstReference(p, prefix: "ff")
    }

    func testStackedFastfood() throws {
        let p = try XCTUnwrap(make(.fastfood, D: 3000, d: 20, seed: 12, blockLength: 1024) as? FastfoodProjection)
        XCTAssertEqual(p.blockCount, 3)
        let perms = try Fixtures.npyInts("projections/ffs_perm.npy")
        for b in 0..<3 { XCTAssertEqual(p.draws(block: b).permutation, Array(perms[(b * 1024)..<((b + 1) * 1024)]), "block \(b)") }
        try checkAgainstReference(p, prefix: "ffs")
    }

    func testDense() throws {
        try checkAgainstReference(make(.dense, D: 500, d: 12, seed: 3), prefix: "dense")
        let g2 = try make(.dense, D: 64, d: 5, seed: 3, group: 2)
        assertArraysClose(materialize(g2), try Fixtures.npyDoubles("projections/dense_g2_P.npy"), atol: 1e-13, "group 2")
    }

    func testSparse() throws {
        let p = try make(.sparse, D: 4096, d: 10, seed: 9)
        try checkAgainstReference(p, prefix: "sparse")
        // The non-zero pattern exactly.
        let nnz = try XCTUnwrap((Fixtures.json("projections/sparse_nnz.json") as? [String: Any])?["nnz"] as? [String: [Int]])
        let m = materialize(p)
        for j in 0..<10 {
            let rows = (0..<4096).filter { m[$0 * 10 + j] != 0 }
            XCTAssertEqual(rows, nnz[String(j)], "column \(j)")
        }
        // Regenerated (budget too small to store) gives the same bytes: both draw each entry
        // from its own counters with the same arithmetic (no BLAS), so bit identity is sound.
        let regenerated = try XCTUnwrap(make(.sparse, D: 4096, d: 10, seed: 9, budget: 16) as? SparseProjection)
        XCTAssertFalse(regenerated.isStored)
        XCTAssertEqual(materialize(regenerated).map(\.bitPattern), m.map(\.bitPattern))
    }

    func testWHTMatchesScipyHadamard() throws {
        for n in [1, 2, 4, 8, 16, 32, 1024, 4096] {
            var x = try Fixtures.npyDoubles("projections/wht_x_\(n).npy")
            let want = try Fixtures.npyDoubles("projections/wht_y_\(n).npy")
            for impl in WalshHadamard.Implementation.allCases {
                var v = x
                WalshHadamard.transform(&v, using: impl)
                for i in 0..<n { assertClose(v[i], want[i], rtol: 1e-13, atol: 1e-12, "\(impl) n=\(n) [\(i)]") }
            }
            x.removeAll()
        }
    }
}
