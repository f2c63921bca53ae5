import Foundation
import LinearAlgebra
import Projections
import XCTest
import _TestSupport

final class ProjectionPropertyTests: XCTestCase {
    func vector(_ n: Int, _ salt: Double) -> [Double] { (0..<n).map { sin(Double($0) * 0.37 + salt) + 0.1 * salt } }

    func projections(D: Int, d: Int, budget: Int = 1 << 26) throws -> [any Projection] {
        try ProjectionDescriptor.Kind.allCases.map {
            try ProjectionDescriptor(kind: $0, fullDimension: D, subspaceDimension: d, seed: 5).make(memoryBudget: budget)
        } + [try ProjectionDescriptor(kind: .fastfood, fullDimension: D, subspaceDimension: d, seed: 5,
                                      blockLength: 512, wht: .fftw).make()]
    }

    /// ⟨P·x, y⟩ = ⟨x, Pᵀ·y⟩ to 1e-10 relative in Float64.
    func testAdjointIdentity() throws {
        for p in try projections(D: 3001, d: 77) {
            let x = vector(77, 1), y = vector(3001, 2)
            let px: [Double] = p.apply(x), pty: [Double] = p.applyTranspose(y)
            let lhs = zip(px, y).reduce(0) { $0 + $1.0 * $1.1 }
            let rhs = zip(x, pty).reduce(0) { $0 + $1.0 * $1.1 }
            assertClose(lhs, rhs, rtol: 1e-10, "\(p.descriptor.kind) adjoint")
        }
    }

    func testFloat32AgreesWithFloat64() throws {
        for p in try projections(D: 2000, d: 50) {
            let x = vector(50, 3)
            let y64: [Double] = p.apply(x)
            let y32: [Float] = p.apply(x.map(Float.init))
            let scale = y64.map(abs).max()!
            for (a, b) in zip(y32, y64) { XCTAssertEqual(Double(a), b, accuracy: 1e-5 * scale, "\(p.descriptor.kind)") }
        }
    }

    func columnNorms(_ p: any Projection) -> [Double] {
        (0..<p.subspaceDimension).map { j in
            var e = [Double](repeating: 0, count: p.subspaceDimension)
            e[j] = 1
            let col: [Double] = p.apply(e)
            return col.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
    }

    func testUnitColumnNorms() throws {
        for kind in [ProjectionDescriptor.Kind.dense, .sparse] {
            let p = try ProjectionDescriptor(kind: kind, fullDimension: 2500, subspaceDimension: 40, seed: 8).make()
            for (j, n) in columnNorms(p).enumerated() { assertClose(n, 1, rtol: 1e-12, "\(kind) column \(j)") }
        }
        // Fastfood: unit norm before truncation, so mean 1 ± 2 % after it (D/L = 0.61 here).
        let ff = try ProjectionDescriptor(kind: .fastfood, fullDimension: 5000, subspaceDimension: 400, seed: 8).make()
        let norms = columnNorms(ff)
        let meanSquare = norms.reduce(0) { $0 + $1 * $1 } / Double(norms.count)
        XCTAssertEqual(meanSquare, 1, accuracy: 0.02, "Fastfood mean squared column norm")
        // Without truncation (D = L) every column is exactly unit norm.
        let full = try ProjectionDescriptor(kind: .fastfood, fullDimension: 4096, subspaceDimension: 64, seed: 8).make()
        for n in columnNorms(full) { assertClose(n, 1, rtol: 1e-12, "Fastfood D = L") }
    }

    /// Same bytes for different memory budgets (block sizes) and BLAS thread counts.
    /// Bit identity is sound: DenseProjection regenerates P in multiples of its canonical
    /// chunk and sums every output in a fixed chunk order, so each configuration runs the same
    /// per-element operations (its determinism contract); Fastfood and sparse calls are pure.
    func testDeterministicAcrossBlockSizesAndThreads() throws {
        let desc = ProjectionDescriptor(kind: .dense, fullDimension: 5000, subspaceDimension: 30, seed: 2)
        let x = vector(30, 4).map(Float.init), y = vector(5000, 5).map(Float.init)
        var outputs: [[UInt32]] = []
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for (budget, threads) in [(1 << 30, 2), (1 << 30, 1), (30 * 4 * 1024, 2), (30 * 4 * 2048, 1), (30 * 4 * 3072, 2)] {
            BLASThreads.set(threads)
            let p = try desc.make(memoryBudget: budget)
            let px: [Float] = p.apply(x), pty: [Float] = p.applyTranspose(y)
            outputs.append((px + pty).map(\.bitPattern))
        }
        for (k, o) in outputs.enumerated().dropFirst() {
            let differing = zip(o, outputs[0]).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "configuration \(k): \(differing) of \(o.count) values differ")
        }
        // Fastfood and sparse: repeated and concurrent calls give the same bytes.
        for kind in [ProjectionDescriptor.Kind.fastfood, .sparse] {
            let p = try ProjectionDescriptor(kind: kind, fullDimension: 5000, subspaceDimension: 30, seed: 2).make()
            let reference: [Float] = p.apply(x)
            let results = Mutex<[[Float]]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                let r: [Float] = p.apply(x)
                results.withLock { $0.append(r) }
            }
            for r in results.withLock({ $0 }) {
                XCTAssertEqual(zip(r, reference).filter { $0.bitPattern != $1.bitPattern }.count, 0, "\(kind) concurrent call")
            }
        }
    }

    // Same operations on other threads (fixed blocks of the Walsh–Hadamard kernel): bit identity is sound.
    func testFastfoodThreadCountDoesNotChangeResults() throws {
        let desc = ProjectionDescriptor(kind: .fastfood, fullDimension: 300_000, subspaceDimension: 100, seed: 3)
        let x = vector(100, 1).map(Float.init), y = vector(300_000, 2).map(Float.init)
        var outputs: [[UInt32]] = []
        for t in [1, 2, 3] {
            let p = FastfoodProjection(desc, threads: t)
            let px: [Float] = p.apply(x), pty: [Float] = p.applyTranspose(y)
            outputs.append((px + pty).map(\.bitPattern))
        }
        for (k, o) in outputs.enumerated().dropFirst() {
            XCTAssertEqual(zip(o, outputs[0]).filter { $0 != $1 }.count, 0, "threads configuration \(k)")
        }
    }

    func testInvalidDimensionsAreRejected() {
        for (D, d, block) in [(10, 11, nil), (0, 1, nil), (10, 0, nil), (100, 10, 12 as Int?), (100, 10, 8)] {
            let desc = ProjectionDescriptor(kind: .fastfood, fullDimension: D, subspaceDimension: d, seed: 1, blockLength: block)
            XCTAssertThrowsError(try desc.validate(), "D=\(D) d=\(d) L'=\(String(describing: block))")
        }
    }
}

import Synchronization
