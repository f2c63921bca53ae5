import ArgumentParser
import Foundation
import IntrinsicDim

struct Project: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a random projection P (D×d) or its transpose to a vector.",
        discussion: """
            Without --transpose the input holds d values and the output D values (P·x); with it, \
            D in and d out (Pᵀ·x). Input and output are 1-D NumPy .npy files; the output has the \
            input's dtype (float32 or float64). P is rebuilt from (kind, D, d, seed, …) alone: see \
            RandomStreams.md for the exact construction, reproducible in NumPy.
            """)

    @Option(help: "dense, sparse or fastfood.") var kind: ProjectionDescriptor.Kind
    @Option(name: .customLong("d"), help: ArgumentHelp("Subspace dimension d.", valueName: "n")) var d: Int
    @Option(help: ArgumentHelp("Full dimension D.", valueName: "n")) var fullDim: Int
    @Option(help: "Seed of P's random streams.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("The input vector (.npy, 1-D, float32 or float64).", valueName: "x.npy")) var input: String
    @Option(help: ArgumentHelp("Where to write the result (.npy).", valueName: "y.npy")) var output: String
    @Flag(help: "Apply Pᵀ (D values in, d out) instead of P.") var transpose = false
    @Option(help: "Fastfood's Walsh–Hadamard kernel: native or fftw.") var wht: WalshHadamard.Implementation = .native
    @Option(help: ArgumentHelp("Fastfood block length L' (a power of two ≥ d) to stack ⌈D/L'⌉ blocks.", valueName: "n"))
    var blockLength: Int?
    @Option(help: ArgumentHelp("Per-tensor mode: comma-separated tensor sizes summing to D.", valueName: "n,n,…"))
    var tensorSizes: String?
    @Option(help: ArgumentHelp("Most memory dense/sparse P may hold (e.g. 64MB).", valueName: "size"))
    var memoryBudget: MemorySize = MemorySize(bytes: 256 << 20)

    func descriptor() throws -> ProjectionDescriptor {
        var sizes: [Int]? = nil
        if let text = tensorSizes {
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--tensor-sizes must be comma-separated integers, got '\(text)'")
            }
            sizes = parts.map { $0! }
        }
        return ProjectionDescriptor(kind: kind, fullDimension: fullDim, subspaceDimension: d, seed: seed,
                                    blockLength: blockLength, wht: wht, tensorSizes: sizes)
    }

    func validate() throws {
        do { try descriptor().validate() } catch let e as ProjectionError { throw ValidationError(e.description) }
    }

    func run() throws {
        try reportingFailures("project") {
            let x = try NPYFile(path: input).tensor
            guard x.shape.count == 1 else {
                throw ProjectCommandError("\(input): the input must be a 1-D array, got shape \(x.shape)")
            }
            let want = transpose ? fullDim : d
            guard x.elementCount == want else {
                throw ProjectCommandError("\(input): \(transpose ? "Pᵀ·x" : "P·x") needs \(want) values (\(transpose ? "D" : "d")), got \(x.elementCount)")
            }
            let values = try x.readDoubles()  // throws nonFinite naming the element
            let p = try descriptor().make(memoryBudget: memoryBudget.bytes)
            let bytes: [UInt8]
            if x.dtype == .f64 {
                let y: [Double] = transpose ? p.applyTranspose(values) : p.apply(values)
                bytes = NPYWriter.serialize(float64: y, shape: [y.count])
            } else if x.dtype == .f32 {
                let y: [Float] = transpose ? p.applyTranspose(values.map(Float.init)) : p.apply(values.map(Float.init))
                bytes = NPYWriter.serialize(float32: y, shape: [y.count])
            } else {
                throw ProjectCommandError("\(input): dtype \(x.dtype.rawValue) is not float32 or float64")
            }
            try AtomicFile.write(bytes, to: output)
        }
    }
}

extension ProjectionDescriptor.Kind: ExpressibleByArgument {}
extension WalshHadamard.Implementation: ExpressibleByArgument {}

/// A project-command failure about its input vector.
struct ProjectCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
