import CheckpointIO
import Foundation
import RankAnalysis

/// φ(i, j) grids from a compare folder's `subspace_similarity.csv`.
struct SimilarityData {
    /// One grid: φ for i = 1…rows, j = 1…columns (NaN where the file has no cell).
    struct Grid {
        let tensor: String, side: String, comparison: String
        /// The adapters' directions (`phi_basis`; ``RankAnalysis/PhiBasis/delta`` for a file without the column).
        var basis: PhiBasis = .delta
        var rows = 0, columns = 0
        var cells: [Int: [Int: Double]] = [:]
        func value(_ i: Int, _ j: Int) -> Double { cells[i]?[j] ?? .nan }
        /// The mean over the cells present.
        var mean: Double {
            let v = cells.values.flatMap(\.values)
            return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
        }
    }

    /// The tensors in file order.
    let tensors: [String]
    /// Grids keyed by tensor, then `side|comparison`; `phi_random_expected` is kept as comparison `expected`.
    let grids: [String: [String: Grid]]

    func grid(_ tensor: String, _ side: String, _ comparison: String) -> Grid? { grids[tensor]?[side + "|" + comparison] }

    /// Reads `subspace_similarity.csv` in `directory`. A file written before the
    /// `phi_basis` column existed is read as `delta` (the only basis then).
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file, line and column of a malformed
    ///   cell (a `phi_basis` other than `delta` or `a`, or two bases in one grid).
    static func load(_ directory: String) throws(CheckpointError) -> SimilarityData {
        let path = (directory as NSString).appendingPathComponent("subspace_similarity.csv")
        let csv = try CSVTable.read(path)
        try csv.require(["tensor", "side", "i", "j", "phi", "comparison", "phi_random_expected"])
        var tensors: [String] = []
        var grids: [String: [String: Grid]] = [:]
        let hasBasis = csv.columns.contains("phi_basis")
        func put(_ t: String, _ side: String, _ comparison: String, _ basis: PhiBasis, _ i: Int, _ j: Int, _ v: Double) {
            let key = side + "|" + comparison
            var g = grids[t]?[key] ?? Grid(tensor: t, side: side, comparison: comparison, basis: basis)
            g.rows = max(g.rows, i)
            g.columns = max(g.columns, j)
            g.cells[i, default: [:]][j] = v
            grids[t, default: [:]][key] = g
        }
        for r in csv.rows.indices {
            let t = try csv.text(r, "tensor"), side = try csv.text(r, "side"), comparison = try csv.text(r, "comparison")
            let i = try csv.integer(r, "i"), j = try csv.integer(r, "j")
            guard i >= 1, j >= 1 else {
                throw CheckpointError(.invalidEntry, path: path, "line \(csv.lines[r]): columns 'i', 'j': indices start at 1, got (\(i), \(j))")
            }
            let phi = try csv.double(r, "phi")
            var basis = PhiBasis.delta
            if hasBasis {
                let text = try csv.text(r, "phi_basis")
                guard let b = PhiBasis(rawValue: text) else {
                    throw CheckpointError(.invalidEntry, path: path, "line \(csv.lines[r]): column 'phi_basis': '\(text)' is neither 'delta' nor 'a'")
                }
                if let g = grids[t]?[side + "|" + comparison], g.basis != b {
                    throw CheckpointError(.invalidEntry, path: path,
                                          "line \(csv.lines[r]): column 'phi_basis': '\(text)' in a grid (\(t), \(side), \(comparison)) of basis '\(g.basis.rawValue)'")
                }
                basis = b
            }
            if grids[t] == nil { tensors.append(t) }
            put(t, side, comparison, basis, i, j, phi)
            if comparison != "random", let e = try csv.optionalDouble(r, "phi_random_expected") { put(t, side, "expected", basis, i, j, e) }
        }
        return SimilarityData(tensors: tensors, grids: grids)
    }
}
