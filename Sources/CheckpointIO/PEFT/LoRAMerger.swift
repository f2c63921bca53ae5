import Foundation

/// Merges a LoRA adapter into its base checkpoint as PEFT's `merge_and_unload()`
/// does: W = W₀ + ΔW_lora for every adapted tensor (ΔW in the stored layout, see
/// ``BoundLoRAModule``), computed in Float64 and rounded once to the base
/// tensor's dtype (F64/F32/F16/BF16, to nearest even); every full tensor the
/// adapter carries (``LoRAFullTensor``: `modules_to_save` copies such as a
/// classifier head, biases of `bias: "all"`/`"lora_only"`) written byte for byte
/// over the base's, and `trainable_token_indices` rows over those rows of the
/// base's embedding table; every other tensor copied byte for byte. Tensor names,
/// order and `__metadata__` are the base's.
///
/// Layouts: a single-file base is written to one `.safetensors` file; a sharded
/// base (an index, or a folder of several files) is written to a folder with
/// the same shard file names and, when the base had one,
/// `model.safetensors.index.json` (same weight map, `total_size` recomputed).
public enum LoRAMerger {
    /// What a merge wrote.
    public struct Summary: Sendable {
        /// The files written, in order (the index last).
        public let files: [String]
        /// The merged tensors' names (W₀ + ΔW).
        public let mergedTensors: [String]
        /// The base tensors replaced by the adapter's full tensors.
        public let replacedTensors: [String]
    }

    /// Binds `adapter`'s modules and full tensors to `base` (after `prefixMap`)
    /// and merges them into `out`: the whole adapter, as `merge_and_unload()`
    /// applies it.
    ///
    /// - Throws: as ``LoRAAdapter/bind(to:prefixMap:)``,
    ///   ``LoRAAdapter/bindFullTensors(to:prefixMap:)`` and
    ///   ``merge(base:modules:fullTensors:to:)``; nothing is written on an error.
    public static func merge(base: Checkpoint, adapter: LoRAAdapter, prefixMap: [(old: String, new: String)] = [],
                             to out: String) throws -> Summary {
        try merge(base: base, modules: try adapter.bind(to: base, prefixMap: prefixMap),
                  fullTensors: try adapter.bindFullTensors(to: base, prefixMap: prefixMap), to: out)
    }

    /// Merges `modules` into `base`, replaces the base tensors of `fullTensors`
    /// by the adapter's, and writes the result to `out`.
    ///
    /// Every factor is read (and checked for NaN/infinity) before the first
    /// file is written; each merged tensor's W₀ + ΔW is then computed as its
    /// bytes are written and dropped after, and copied tensors are streamed
    /// from the mapped base, so memory holds one tensor's update at a time
    /// (a 7B merge does not hold the model). The files are written together
    /// (``AtomicFile/writeTogether(_:)``): each shard to a temporary file as it
    /// is built, then all renamed into place at the end, so a failure (a full
    /// disk, a non-finite base value) or an interrupt leaves the old output or
    /// none, never a mix.
    ///
    /// - Throws: ``CheckpointError/Code/notACheckpoint`` for a NumPy base;
    ///   ``CheckpointError/Code/duplicateTensor`` when two modules (or a module
    ///   and a full tensor, or two full tensors) write one tensor;
    ///   ``CheckpointError/Code/nonFinite`` for a NaN or infinity in a factor or
    ///   full tensor; the readers' and ``AtomicFile``'s errors.
    public static func merge(base: Checkpoint, modules: [BoundLoRAModule], fullTensors: [BoundLoRAFullTensor],
                             to out: String) throws -> Summary {
        if let numpy = base.files.first(where: { $0.path.hasSuffix(".npy") || $0.path.hasSuffix(".npz") }) {
            throw CheckpointError(.notACheckpoint, path: numpy.path, "merge writes safetensors; a NumPy base is not supported")
        }
        var updates: [String: BoundLoRAModule] = [:]
        for bound in modules {
            _ = try bound.module.factors()  // every factor readable and finite before anything is written
            guard updates.updateValue(bound, forKey: bound.tensor) == nil else {
                throw CheckpointError(.duplicateTensor, path: bound.module.a.path, tensor: bound.tensor,
                                      "two adapter modules adapt the same base tensor")
            }
        }
        var replacements: [String: BoundLoRAFullTensor] = [:]
        for f in fullTensors {
            _ = try f.full.tensor.readDoubles()  // finite before anything is written
            guard updates[f.tensor] == nil, replacements.updateValue(f, forKey: f.tensor) == nil else {
                throw CheckpointError(.duplicateTensor, path: f.full.tensor.path, tensor: f.full.key,
                                      "writes the base tensor '\(f.tensor)', which another tensor of the adapter also writes")
            }
        }
        let index = base.files.first { $0.path.hasSuffix(".index.json") }
        let shards = base.files.filter { !$0.path.hasSuffix(".index.json") }
        let single = index == nil && shards.count == 1
        if !single {
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw CheckpointError(.unreadable, path: out, "cannot create the output folder (\(error.localizedDescription))")
            }
        }
        return try AtomicFile.writeTogether { files in
            try write(shards: shards, index: index, single: single, updates: updates, replacements: replacements,
                      to: out, into: &files)
        }
    }

    private static func write(shards: [Checkpoint.SourceFile], index: Checkpoint.SourceFile?, single: Bool,
                              updates: [String: BoundLoRAModule], replacements: [String: BoundLoRAFullTensor],
                              to out: String, into files: inout AtomicFile.Staging) throws -> Summary {
        var written: [String] = []
        var weightMap: [(String, String)] = []
        var totalSize = 0
        for shard in shards {
            let file = try SafetensorsFile(path: shard.path)
            var writer = SafetensorsWriter(metadata: file.metadata)
            for t in file.tensors {
                if let bound = updates[t.name] {
                    writer.add(t.name, dtype: t.dtype, shape: t.shape) { () throws(CheckpointError) -> [UInt8] in
                        try merged(t, bound)
                    }
                } else if let full = replacements[t.name], case let .trainableTokens(rows) = full.full.role {
                    writer.add(t.name, dtype: t.dtype, shape: t.shape) { () throws(CheckpointError) -> [UInt8] in
                        try replacingRows(t, rows: rows, with: full.full.tensor)
                    }
                } else if let full = replacements[t.name] {
                    writer.add(t.name, copying: full.full.tensor)
                } else {
                    writer.add(t.name, copying: t)
                }
                totalSize += t.storedByteCount
            }
            let name = (shard.path as NSString).lastPathComponent
            let target = single ? out : (out as NSString).appendingPathComponent(name)
            try writer.write(to: target, into: &files)
            written.append(target)
            weightMap += file.tensors.map { ($0.name, name) }
        }
        if let index {
            let entries = weightMap.sorted { $0.0 < $1.0 }.map { "    \(jsonString($0.0)): \(jsonString($0.1))" }
            let text = "{\n  \"metadata\": {\n    \"total_size\": \(totalSize)\n  },\n  \"weight_map\": {\n"
                + entries.joined(separator: ",\n") + "\n  }\n}\n"
            let target = (out as NSString).appendingPathComponent((index.path as NSString).lastPathComponent)
            try files.write(text: text, to: target)
            written.append(target)
        }
        return Summary(files: written, mergedTensors: updates.keys.sorted(), replacedTensors: replacements.keys.sorted())
    }

    /// The bytes of the base table `t` with its rows `rows` replaced by the rows of `values`
    /// (PEFT's TrainableTokens merge, `index_copy`): exact, as both have `t`'s dtype.
    private static func replacingRows(_ t: TensorDescriptor, rows: [Int], with values: TensorDescriptor) throws(CheckpointError) -> [UInt8] {
        do {
            var table = try t.readDoubles()
            let new = try values.readDoubles()
            let dim = t.shape[1]
            for (k, row) in rows.enumerated() {
                table.replaceSubrange(row * dim..<(row + 1) * dim, with: new[k * dim..<(k + 1) * dim])
            }
            t.releaseResidentPages()
            return SafetensorsWriter.encode(table, as: t.dtype)
        } catch let e as CheckpointError {
            throw e
        } catch {
            throw CheckpointError(.invalidAdapter, path: values.path, tensor: values.name, "cannot replace the rows of '\(t.name)': \(error)")
        }
    }

    /// The bytes of W₀ + ΔW for the base tensor `t`, rounded once to its dtype.
    private static func merged(_ t: TensorDescriptor, _ bound: BoundLoRAModule) throws(CheckpointError) -> [UInt8] {
        do {
            var values = bound.storedValues(try bound.module.update())
            _ = try t.decode { first, w0 in
                for k in 0..<w0.count { values[first + k] += w0[k] }
            }
            t.releaseResidentPages()
            return SafetensorsWriter.encode(values, as: t.dtype)
        } catch let e as CheckpointError {
            throw e
        } catch {
            throw CheckpointError(.invalidAdapter, path: bound.module.a.path, tensor: t.name, "cannot compute the update: \(error)")
        }
    }
}
