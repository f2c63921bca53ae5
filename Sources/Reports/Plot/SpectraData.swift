import CheckpointIO
import Foundation

/// Singular-value spectra from a `spectra.csv` (rank: `tensor,index,sigma,energy_cumulative`;
/// compare: the same with a `source` column, `lora`, `full` or `lora2`).
struct SpectraData {
    /// One spectrum: σ₁ ≥ σ₂ ≥ … with the cumulative energy fraction after each.
    struct Series {
        let source: String
        var index: [Int] = []
        var sigma: [Double] = []
        var energy: [Double] = []
    }

    /// The tensors in file order.
    let tensors: [String]
    /// Per tensor, its spectra in source order (`full`, `lora`, `lora2`, then others as met).
    let series: [String: [Series]]
    /// The file read.
    let path: String

    /// Reads `spectra.csv` in `directory`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file, line and column of a malformed cell.
    static func load(_ directory: String) throws(CheckpointError) -> SpectraData {
        let path = (directory as NSString).appendingPathComponent("spectra.csv")
        let csv = try CSVTable.read(path)
        try csv.require(["tensor", "index", "sigma", "energy_cumulative"])
        let hasSource = csv.columns.contains("source")
        var tensors: [String] = []
        var series: [String: [Series]] = [:]
        for r in csv.rows.indices {
            let t = try csv.text(r, "tensor")
            let source = hasSource ? try csv.text(r, "source") : "delta"
            let i = try csv.integer(r, "index")
            let s = try csv.double(r, "sigma"), e = try csv.double(r, "energy_cumulative")
            guard i >= 1 else { throw CheckpointError(.invalidEntry, path: path, "line \(csv.lines[r]): column 'index': \(i) is below 1") }
            if series[t] == nil { tensors.append(t); series[t] = [] }
            if !series[t]!.contains(where: { $0.source == source }) { series[t]!.append(Series(source: source)) }
            let k = series[t]!.firstIndex { $0.source == source }!
            series[t]![k].index.append(i)
            series[t]![k].sigma.append(s)
            series[t]![k].energy.append(e)
        }
        let order = ["full", "lora", "lora2"]
        for t in tensors {
            series[t]!.sort { (order.firstIndex(of: $0.source) ?? order.count) < (order.firstIndex(of: $1.source) ?? order.count) }
        }
        return SpectraData(tensors: tensors, series: series, path: path)
    }
}
