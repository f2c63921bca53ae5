import LinearAlgebra
import XCTest
import _TestSupport

final class WalshHadamardTests: XCTestCase {
    /// H[a][b] = (−1)^popcount(a & b), applied by definition.
    func definition(_ x: [Double]) -> [Double] {
        let n = x.count
        return (0..<n).map { a in
            (0..<n).reduce(0.0) { acc, b in acc + ((a & b).nonzeroBitCount % 2 == 0 ? x[b] : -x[b]) }
        }
    }

    func input(_ n: Int) -> [Double] { (0..<n).map { sin(Double($0) * 1.7 + 0.3) * 3 + Double($0 % 5) } }

    func testMatchesDefinitionForEveryKernelAndLength() {
        // 1…4096 covers: below one vector (scalar path), the lane transform,
        // in-cache radix passes and (for Double, 8 lanes) several blocks.
        for k in 0...12 {
            let x = input(1 << k)
            let want = definition(x)
            for impl in WalshHadamard.Implementation.allCases {
                var d = x
                WalshHadamard.transform(&d, using: impl)
                for (i, (got, w)) in zip(d, want).enumerated() {
                    assertClose(got, w, rtol: 1e-12, atol: 1e-9, "\(impl) f64 n=\(1 << k) [\(i)]")
                }
                var f = x.map(Float.init)
                WalshHadamard.transform(&f, using: impl)
                for (i, (got, w)) in zip(f, want).enumerated() {
                    assertClose(Double(got), w, rtol: 1e-4, atol: 1e-3 * Double(k + 1), "\(impl) f32 n=\(1 << k) [\(i)]")
                }
            }
        }
    }

    /// Lengths past the in-cache block exercise the out-of-cache radix-16
    /// passes; H·H = n·I and the FFTW kernel are the references there.
    func testLargeLengthsInvolutionAndAgreement() {
        for k in [15, 16, 17, 18, 19] {
            let n = 1 << k
            let x = input(n)
            var native = x, fftw = x
            WalshHadamard.transform(&native, using: .native)
            WalshHadamard.transform(&fftw, using: .fftw)
            var maxDiff = 0.0
            for i in 0..<n { maxDiff = max(maxDiff, abs(native[i] - fftw[i])) }
            XCTAssertLessThan(maxDiff, 1e-9, "native vs fftw at n=\(n)")
            WalshHadamard.transform(&native)
            var maxErr = 0.0
            for i in 0..<n { maxErr = max(maxErr, abs(native[i] / Double(n) - x[i])) }
            XCTAssertLessThan(maxErr, 1e-12, "H·H = n·I at n=\(n)")
            var f = x.map(Float.init)
            WalshHadamard.transform(&f)
            var maxF = 0.0
            for i in 0..<n { maxF = max(maxF, abs(Double(f[i]) - fftw[i]) / Double(n).squareRoot()) }
            XCTAssertLessThan(maxF, 1e-4, "f32 native vs f64 at n=\(n)")
        }
    }

    func testUnalignedBuffer() {
        // A buffer offset by one element is not 64-byte aligned.
        var storage = [Float](repeating: 0, count: 1 + 64)
        let x = input(64).map(Float.init)
        for i in 0..<64 { storage[1 + i] = x[i] }
        storage.withUnsafeMutableBufferPointer { p in
            WalshHadamard.transform(UnsafeMutableBufferPointer(rebasing: p[1...]))
        }
        let want = definition(x.map(Double.init))
        for i in 0..<64 { assertClose(Double(storage[1 + i]), want[i], rtol: 1e-5, atol: 1e-4, "[\(i)]") }
    }
}

final class WalshHadamardThreadTests: XCTestCase {
    /// The same bytes for 1, 2 and 3 threads, at a length with many in-cache blocks.
    /// Bit identity is sound: the native kernel's butterflies are the same operations on the
    /// same blocks whatever thread runs them (no BLAS involved).
    func testThreadCountDoesNotChangeResults() {
        let n = 1 << 20
        let x = (0..<n).map { Float(sin(Double($0) * 0.01)) }
        var reference = x
        WalshHadamard.transform(&reference, threads: 1)
        for t in [2, 3] {
            var y = x
            WalshHadamard.transform(&y, threads: t)
            XCTAssertEqual(zip(y, reference).filter { $0.bitPattern != $1.bitPattern }.count, 0, "\(t) threads")
        }
    }
}
