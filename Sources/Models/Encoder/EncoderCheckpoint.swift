import CheckpointIO
import Foundation
import Projections

/// A ``BertClassifier`` and its parameters θ read from a Hugging Face model
/// folder: `config.json` and `model.safetensors` (or a sharded
/// `model.safetensors.index.json` with its shards), F32/F16/BF16/F64.
///
/// Tensor names are matched with or without the `bert.` prefix (a bare
/// `BertModel`, such as the MiniLM sentence-transformers base, has none);
/// `embeddings.position_ids` and tensors the model does not use (an MLM
/// head) are ignored. A missing classifier (or pooler) is initialised as
/// transformers does: weight N(0, `initializer_range`²), bias 0, where the
/// weight of layout tensor number i takes normal k of element k from
/// `RandomStream(seed: seed, kind: .initialization, group: i)`.
public struct EncoderCheckpoint: Sendable {
    /// The model (its configuration's labels are the folder's or the caller's).
    public let model: BertClassifier
    /// θ in ``BertClassifier/layout`` order.
    public var parameters: [Float]
    /// The layout tensors that were absent and initialised from the seed, in layout order.
    public let initializedTensors: [String]
    /// Stored tensors that the model does not use, sorted.
    public let ignoredTensors: [String]
    /// The folder read.
    public let folder: String

    /// Reads the folder at `folder`. `labels` (names in id order) replace
    /// the configuration's (a base model has no head yet); `seed` initialises
    /// missing head tensors.
    ///
    /// - Throws: ``ModelError`` naming the file and tensor or field:
    ///   configuration errors (see ``BertConfiguration/init(contentsOf:)``),
    ///   ``ModelError/Code/unreadable`` (no weights file),
    ///   ``ModelError/Code/missingTensor``, ``ModelError/Code/shapeMismatch``,
    ///   ``ModelError/Code/nonFinite``, ``ModelError/Code/unsupportedDType``,
    ///   ``ModelError/Code/invalidCheckpoint``.
    public static func load(folder: String, labels: [String]? = nil, seed: UInt64 = 0) throws(ModelError) -> EncoderCheckpoint {
        var configuration = try BertConfiguration(contentsOf: (folder as NSString).appendingPathComponent("config.json"))
        if let labels {
            precondition(!labels.isEmpty, "EncoderCheckpoint.load: no labels")
            configuration.labels = labels
        }
        let model = BertClassifier(configuration: configuration)
        let checkpoint = try openWeights(folder)
        var theta = [Float](repeating: 0, count: model.layout.count)
        var initialized: [String] = []
        var used = Set<String>()
        for (index, entry) in model.layout.entries.enumerated() {
            let bare = entry.name.hasPrefix("bert.") ? String(entry.name.dropFirst(5)) : nil
            guard let tensor = checkpoint[entry.name] ?? bare.flatMap({ checkpoint[$0] }) else {
                if entry.name.hasPrefix("classifier.") || entry.name.hasPrefix("bert.pooler.") {
                    initialized.append(entry.name)
                    if entry.shape.count == 2 {
                        let stream = RandomStream(seed: seed, kind: .initialization, group: index)
                        var normals = [Double](repeating: 0, count: entry.count)
                        normals.withUnsafeMutableBufferPointer { stream.fillNormals(from: 0, into: $0) }
                        for k in 0..<entry.count {
                            theta[entry.offset + k] = Float(normals[k] * configuration.initializerRange)
                        }
                    }
                    continue
                }
                throw ModelError(.missingTensor, path: checkpoint.path, tensor: entry.name,
                                 "missing (also without the 'bert.' prefix)")
            }
            used.insert(tensor.name)
            guard tensor.shape == entry.shape else {
                let why = entry.name.hasPrefix("classifier.") ? "for \(configuration.labelCount) labels" : "from config.json"
                throw ModelError(.shapeMismatch, path: tensor.path, tensor: tensor.name,
                                 "shape \(tensor.shape), expected \(entry.shape) \(why)")
            }
            do {
                try theta.withUnsafeMutableBufferPointer { out in
                    _ = try tensor.decode { first, values in
                        for k in 0..<values.count { out[entry.offset + first + k] = Float(values[k]) }
                    }
                }
            } catch let e as CheckpointError {
                let code: ModelError.Code = e.code == .nonFinite ? .nonFinite
                    : e.code == .unsupportedDType ? .unsupportedDType : .invalidCheckpoint
                throw ModelError(code, path: tensor.path, tensor: tensor.name, e.detail)
            } catch {
                throw ModelError(.invalidCheckpoint, path: tensor.path, tensor: tensor.name, "\(error)")
            }
            // The values now live in θ: keep the mapped file out of the resident set.
            tensor.releaseResidentPages()
            for k in entry.range where !theta[k].isFinite {
                throw ModelError(.nonFinite, path: tensor.path, tensor: tensor.name,
                                 "value \(theta[k]) at element \(k - entry.offset) does not fit Float32")
            }
        }
        let ignored = checkpoint.tensors.map(\.name).filter { !used.contains($0) }.sorted()
        return EncoderCheckpoint(model: model, parameters: theta, initializedTensors: initialized,
                                 ignoredTensors: ignored, folder: folder)
    }

    /// `model.safetensors.index.json` if present, else `model.safetensors`.
    static func openWeights(_ folder: String) throws(ModelError) -> Checkpoint {
        let index = (folder as NSString).appendingPathComponent("model.safetensors.index.json")
        let single = (folder as NSString).appendingPathComponent("model.safetensors")
        let path = FileManager.default.fileExists(atPath: index) ? index : single
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError(.unreadable, path: folder, "no model.safetensors or model.safetensors.index.json")
        }
        do { return try Checkpoint.open(path) } catch {
            throw ModelError(.invalidCheckpoint, path: error.path, tensor: error.tensor, error.detail)
        }
    }
}
