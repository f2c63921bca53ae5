import CheckpointIO
import Foundation
import LinearAlgebra
import RankAnalysis

extension RankReport {
    private struct StoredTensor: Decodable {
        let tensor: String
        let shape: [Int]
        let rows: Int
        let cols: Int
        let dtype: String
        let fro_norm, spectral_norm, stable_rank: Double
        // null in a --top-k run when the top K do not determine them (listed in beyond_k)
        let nuclear_norm, entropy_effective_rank: Double?
        let numerical_rank, energy_rank_50, energy_rank_90, energy_rank_95, energy_rank_99: Int?
        let rel_update: Double
        let noise_rank: Int?
        let noise_threshold: Double
        let seconds: Double
        // absent before --top-k existed
        let method: String?
        let top_k: Int?
        let beyond_k: [String]?
        let fro_norm_squared: Double?
    }

    private struct StoredVector: Decodable {
        let tensor: String
        let length: Int
        let dtype: String
        let fro_norm: Double
        let rel_update: Double
    }

    private struct StoredDocument: Decodable {
        let provenance: RunProvenance
        let tensors: [StoredTensor]
        let vectors: [StoredVector]
        let skipped: [SkippedTensor]
    }

    /// Reads back the report a `rank` run wrote into `directory`: every
    /// number of `rank_summary.json`, the singular values of `spectra.csv`
    /// and, when present, the vectors of `vectors.safetensors`.
    ///
    /// Numbers come back bit for bit (the files hold shortest round-trip
    /// decimals), so writing the report again gives the same CSV bytes; the
    /// CSV files are checked to be exactly what the JSON and spectra imply.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file that is
    ///   missing (an unfinished run has no `rank_summary.csv`), malformed, or
    ///   inconsistent with the others.
    public static func read(from directory: String) throws -> RankReport {
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let summaryPath = path("rank_summary.csv")
        guard FileManager.default.fileExists(atPath: summaryPath) else {
            throw CheckpointError(.unreadable, path: directory, "no rank_summary.csv: not a finished rank output folder")
        }
        let jsonPath = path("rank_summary.json")
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            throw CheckpointError(.unreadable, path: jsonPath, "cannot read the file")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let doc: StoredDocument
        do {
            doc = try decoder.decode(StoredDocument.self, from: data)
        } catch {
            throw CheckpointError(.invalidJSON, path: jsonPath, "not a rank_summary.json (\(Self.describe(error)))")
        }

        // Singular values, grouped by tensor in file order.
        let spectraPath = path("spectra.csv")
        let spectra = try CSVTable.read(spectraPath)
        try spectra.require(Self.spectraColumns)
        var sigma: [String: [Double]] = [:]
        for i in spectra.rows.indices {
            let name = try spectra.text(i, "tensor")
            let index = try spectra.integer(i, "index")
            guard index == (sigma[name]?.count ?? 0) + 1 else {
                throw CheckpointError(.invalidEntry, path: spectraPath, "line \(spectra.lines[i]): tensor '\(name)' index \(index) out of sequence")
            }
            sigma[name, default: []].append(try spectra.double(i, "sigma"))
        }

        // Leading singular vectors, when the run saved them.
        let vectorsPath = path("vectors.safetensors")
        let vectorsFile = FileManager.default.fileExists(atPath: vectorsPath) ? try Checkpoint.open(vectorsPath) : nil
        func leading(_ tensor: String) throws -> SingularValueDecomposition<Double>? {
            guard let file = vectorsFile, let u = file["\(tensor).U"] else { return nil }
            guard let s = file["\(tensor).S"], let vt = file["\(tensor).Vt"], u.shape.count == 2, vt.shape.count == 2,
                  s.shape == [u.shape[1]], vt.shape[0] == u.shape[1] else {
                throw CheckpointError(.invalidEntry, path: vectorsPath, "tensor '\(tensor)': U, S and Vt missing or of mismatched shapes")
            }
            return SingularValueDecomposition(u: Matrix(rows: u.shape[0], cols: u.shape[1], storage: try u.readDoubles()),
                                              singularValues: try s.readDoubles(),
                                              vt: Matrix(rows: vt.shape[0], cols: vt.shape[1], storage: try vt.readDoubles()))
        }

        var matrices: [TensorRankResult] = []
        for t in doc.tensors {
            let expected = min(t.rows, t.cols, t.top_k ?? .max)
            guard let σ = sigma.removeValue(forKey: t.tensor), σ.count == expected else {
                throw CheckpointError(.invalidEntry, path: spectraPath, "tensor '\(t.tensor)': expected \(expected) singular values")
            }
            matrices.append(try tensorResult(t, σ: σ, leading: try leading(t.tensor), path: jsonPath))
        }
        if let extra = sigma.keys.sorted().first {
            throw CheckpointError(.invalidEntry, path: spectraPath, "tensor '\(extra)' is not in rank_summary.json")
        }
        let vectors = doc.vectors.map {
            VectorUpdateResult(tensor: $0.tensor, length: $0.length, dtype: $0.dtype, frobeniusNorm: $0.fro_norm, relativeUpdate: $0.rel_update)
        }
        let result = RankAnalysisResult(matrices: matrices, vectors: vectors, skipped: doc.skipped, seconds: doc.provenance.seconds)
        let report = RankReport(result: result, provenance: doc.provenance)

        // The CSV files must be exactly what these values write.
        for (name, text) in [("rank_summary.csv", report.summaryCSV), ("spectra.csv", report.spectraCSV),
                             ("vector_summary.csv", report.vectorCSV)] {
            guard let stored = FileManager.default.contents(atPath: path(name)) else {
                throw CheckpointError(.unreadable, path: path(name), "cannot read the file")
            }
            guard stored == Data(text.utf8) else {
                throw CheckpointError(.invalidEntry, path: path(name), "does not match rank_summary.json (edited, or written by another version)")
            }
        }
        return report
    }

    /// One tensor's result from its JSON row and σ. A metric the top K did not
    /// determine (null, named in `beyond_k`) is never written, and holds the
    /// placeholder ``RankAnalysis/RankMetrics/init(leadingSingularValues:frobeniusNormSquared:rows:cols:epsilon:noiseThreshold:baseFrobeniusNorm:)``
    /// documents (a bound, or the top-K value).
    private static func tensorResult(_ t: StoredTensor, σ: [Double], leading: SingularValueDecomposition<Double>?,
                                     path: String) throws -> TensorRankResult {
        let beyond = try (t.beyond_k ?? []).map { name in
            guard let m = RankMetrics.Metric(rawValue: name) else {
                throw CheckpointError(.invalidEntry, path: path, "tensor '\(t.tensor)': unknown metric '\(name)' in beyond_k")
            }
            return m
        }
        func value<T>(_ v: T?, _ metric: RankMetrics.Metric, _ placeholder: T) throws -> T {
            if let v { return v }
            guard beyond.contains(metric) else {
                throw CheckpointError(.invalidEntry, path: path, "tensor '\(t.tensor)': '\(metric.rawValue)' is null but not in beyond_k")
            }
            return placeholder
        }
        let k = σ.count
        let nuclear = σ.reduce(0, +)
        let entropy = nuclear > 0 ? exp(-σ.reduce(0) { s, x in x > 0 ? s + (x / nuclear) * log(x / nuclear) : s }) : 0
        var metrics = RankMetrics(
            frobeniusNorm: t.fro_norm, spectralNorm: t.spectral_norm,
            nuclearNorm: try value(t.nuclear_norm, .nuclearNorm, nuclear), stableRank: t.stable_rank,
            entropyEffectiveRank: try value(t.entropy_effective_rank, .entropyEffectiveRank, entropy),
            numericalRank: try value(t.numerical_rank, .numericalRank, k),
            energyRank50: try value(t.energy_rank_50, .energyRank50, k + 1), energyRank90: try value(t.energy_rank_90, .energyRank90, k + 1),
            energyRank95: try value(t.energy_rank_95, .energyRank95, k + 1), energyRank99: try value(t.energy_rank_99, .energyRank99, k + 1),
            relativeUpdate: t.rel_update, noiseRank: try value(t.noise_rank, .noiseRank, k), noiseThreshold: t.noise_threshold)
        metrics.beyondK = beyond
        let method = try t.method.map { name in
            guard let m = SpectrumMethod(rawValue: name) else {
                throw CheckpointError(.invalidEntry, path: path, "tensor '\(t.tensor)': unknown method '\(name)'")
            }
            return m
        } ?? .exact
        if t.top_k != nil && t.fro_norm_squared == nil {
            throw CheckpointError(.invalidEntry, path: path, "tensor '\(t.tensor)': a --top-k row without fro_norm_squared (written by an older version)")
        }
        return TensorRankResult(tensor: t.tensor, shape: t.shape, rows: t.rows, cols: t.cols, dtype: t.dtype, singularValues: σ,
                                frobeniusNormSquared: t.fro_norm_squared, method: method, topK: t.top_k, metrics: metrics,
                                leadingVectors: leading, seconds: t.seconds)
    }

    /// A one-line account of a decoding error.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, ctx)?:
            return "missing '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case let .typeMismatch(_, ctx)?, let .valueNotFound(_, ctx)?, let .dataCorrupted(ctx)?:
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return (at.isEmpty ? "" : "at '\(at)': ") + ctx.debugDescription
        default:
            return "\(error)"
        }
    }
}
