import Foundation
import Projections
import XCTest
import _TestSupport

/// Philox and the derived variates against NumPy's `np.random.Philox` and
/// scipy (`Tests/Fixtures/projections/make_projection_fixtures.py`).
final class RandomStreamTests: XCTestCase {
    func u64(_ s: Any?) -> UInt64 { UInt64(s as! String)! }

    func testPhiloxKnownAnswersFromNumPy() throws {
        let kat = try XCTUnwrap(Fixtures.json("projections/philox_kat.json") as? [String: Any])
        let cases = try XCTUnwrap(kat["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 6)
        for c in cases {
            let key = (c["key"] as! [String]).map { UInt64($0)! }
            let counter = (c["counter"] as! [String]).map { UInt64($0)! }
            let raw = (c["raw"] as! [String]).map { UInt64($0)! }
            let philox = Philox4x64(key: key[0], key[1])
            // NumPy increments its 256-bit counter before each block.
            var ctr = counter
            for blockIndex in 0..<2 {
                var carry = true
                for i in 0..<4 where carry { (ctr[i], carry) = ctr[i].addingReportingOverflow(1) }
                let b = philox.block(ctr[0], ctr[1], ctr[2], ctr[3])
                XCTAssertEqual([b.0, b.1, b.2, b.3], Array(raw[(4 * blockIndex)..<(4 * blockIndex + 4)]), "key \(key) counter \(counter)")
            }
        }
        // Published Random123 vectors.
        let r123 = try XCTUnwrap((kat["random123_kat"] as? [String: Any])?["cases"] as? [[String: Any]])
        for c in r123 {
            let key = (c["key"] as! [String]).map { UInt64($0)! }
            let ctr = (c["counter"] as! [String]).map { UInt64($0)! }
            let b = Philox4x64(key: key[0], key[1]).block(ctr[0], ctr[1], ctr[2], ctr[3])
            XCTAssertEqual([b.0, b.1, b.2, b.3], (c["block"] as! [String]).map { UInt64($0)! })
        }
    }

    func testStreamWordAddressing() throws {
        let cases = try XCTUnwrap((Fixtures.json("projections/stream_words.json") as? [String: Any])?["cases"] as? [[String: Any]])
        for c in cases {
            let stream = RandomStream(seed: u64(c["seed"]), id: u64(c["stream"]))
            let start = Int(c["start"] as! String)!
            let want = (c["words"] as! [String]).map { UInt64($0)! }
            XCTAssertEqual((0..<want.count).map { stream.word(start + $0) }, want, "start \(start)")
            var filled = [UInt64](repeating: 0, count: want.count)
            filled.withUnsafeMutableBufferPointer { stream.fillWords(from: start, into: $0) }
            XCTAssertEqual(filled, want, "fillWords from \(start)")
        }
    }

    func testUniformsAndNormalsMatchReference() throws {
        let stream = RandomStream(seed: 42, kind: .dense)
        let uniforms = try Fixtures.npyDoubles("projections/uniforms_s42.npy")
        let normals = try Fixtures.npyDoubles("projections/normals_s42.npy")
        XCTAssertEqual(uniforms.count, 100_000)
        for n in stride(from: 0, to: uniforms.count, by: 97) { XCTAssertEqual(stream.uniform(n), uniforms[n], "uniform \(n)") }
        var ours = [Double](repeating: 0, count: normals.count)
        // An odd start exercises the unaligned head of fillNormals.
        ours.withUnsafeMutableBufferPointer { p in
            stream.fillNormals(from: 0, into: UnsafeMutableBufferPointer(rebasing: p[0..<3]))
            stream.fillNormals(from: 3, into: UnsafeMutableBufferPointer(rebasing: p[3...]))
        }
        var maxErr = 0.0
        for (a, b) in zip(ours, normals) { maxErr = max(maxErr, abs(a - b)) }
        XCTAssertLessThan(maxErr, 1e-14, "normals vs correctly rounded Box–Muller")
        XCTAssertEqual(stream.normal(12_345), ours[12_345])
    }

    /// The Kolmogorov–Smirnov statistic of our normals equals scipy's on the
    /// same draws, and the p-value (Kolmogorov's limit distribution) is not small.
    func testDistributionAgainstSciPy() throws {
        let stats = try XCTUnwrap(Fixtures.json("projections/distribution_stats.json") as? [String: Any])
        let ref = try XCTUnwrap(stats["normals"] as? [String: Double])
        let stream = RandomStream(seed: 42, kind: .dense)
        var z = [Double](repeating: 0, count: 100_000)
        z.withUnsafeMutableBufferPointer { stream.fillNormals(from: 0, into: $0) }
        let n = Double(z.count)
        let sorted = z.sorted()
        var dStat = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            dStat = max(dStat, Double(i + 1) / n - cdf, cdf - Double(i) / n)
        }
        assertClose(dStat, ref["ks_statistic"]!, rtol: 1e-9, "KS statistic")
        // Kolmogorov: P(√n·D > t) ≈ 2 Σ (−1)^{k−1} exp(−2k²t²).
        let t = n.squareRoot() * dStat
        var series = 0.0
        for k in 1...100 {
            let sign: Double = k % 2 == 1 ? 1 : -1
            let kk = Double(k * k)
            series += sign * exp(-2 * kk * t * t)
        }
        let p = 2 * series
        XCTAssertGreaterThan(p, 0.01)
        assertClose(p, ref["ks_pvalue"]!, rtol: 0.02, "p-value (asymptotic vs scipy's exact)")
        let mean = z.reduce(0, +) / n
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        assertClose(mean, ref["mean"]!, rtol: 1e-9, atol: 1e-15, "mean")
        assertClose(variance, ref["var"]!, rtol: 1e-12, "variance")
        XCTAssertLessThan(abs(mean), 4 / n.squareRoot(), "mean within 4 standard errors of 0")
        XCTAssertLessThan(abs(variance - 1), 4 * (2 / n).squareRoot())
    }
}
