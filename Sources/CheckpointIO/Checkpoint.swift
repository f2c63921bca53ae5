import Foundation

/// A set of named tensors from any layout this toolkit reads, opened
/// without reading tensor data.
///
/// Layouts, chosen from the path:
/// - a `*.safetensors` file;
/// - a `*.safetensors.index.json` (sharded; shards beside it);
/// - a directory holding `model.safetensors.index.json` (or one other
///   `*.safetensors.index.json`), else its `*.safetensors` files taken
///   together (tensor names must not repeat across them);
/// - a NumPy `.npy` file (one tensor named after the file's stem) or `.npz`
///   archive (one tensor per member).
/// A file with another extension is recognised by its first bytes.
public struct Checkpoint: Sendable {
    /// One file the checkpoint was read from.
    public struct SourceFile: Sendable, Hashable, Codable {
        /// The file's path.
        public let path: String
        /// Its size in bytes.
        public let byteCount: Int
    }

    /// The path the checkpoint was opened from, as given.
    public let path: String
    /// The files read (one, or the shards).
    public let files: [SourceFile]
    /// Every tensor, sorted by name.
    public let tensors: [TensorDescriptor]
    /// `__metadata__` of the safetensors file(s), merged.
    public let metadata: [String: String]
    private let byName: [String: Int]

    /// The tensor called `name`, if present.
    public subscript(name: String) -> TensorDescriptor? {
        byName[name].map { tensors[$0] }
    }

    /// Total size of the files read, in bytes.
    public var byteCount: Int { files.reduce(0) { $0 + $1.byteCount } }

    internal init(path: String, files: [SourceFile], tensors: [TensorDescriptor],
                  metadata: [String: String]) throws(CheckpointError) {
        let sorted = tensors.sorted { $0.name < $1.name }
        var byName: [String: Int] = [:]
        for (i, t) in sorted.enumerated() {
            if let j = byName[t.name] {
                throw CheckpointError(.duplicateTensor, path: t.path, tensor: t.name,
                                      "also present in \(sorted[j].path)")
            }
            byName[t.name] = i
        }
        self.path = path
        self.files = files
        self.tensors = sorted
        self.metadata = metadata
        self.byName = byName
    }

    /// Opens the checkpoint at `path` (see the type's documentation for layouts).
    public static func open(_ path: String) throws(CheckpointError) -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(.unreadable, path: path, "no such file or directory", errno: ENOENT)
        }
        if isDirectory.boolValue { return try openDirectory(path) }
        if path.hasSuffix(".index.json") { return try openIndex(path) }
        if path.hasSuffix(".safetensors") { return try openSafetensors([path], as: path) }
        if path.hasSuffix(".npy") { return try openNPY(path) }
        if path.hasSuffix(".npz") { return try openNPZ(path) }
        // Unknown extension: sniff.
        let region = try ByteRegion.map(path: path)
        let head = region.withBytes(offset: 0, count: min(6, region.count)) { Array($0) }
        if head.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return try openNPY(path) }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try openNPZ(path) }
        return try openSafetensors([path], as: path)
    }

    private static func openDirectory(_ dir: String) throws(CheckpointError) -> Checkpoint {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        } catch {
            throw CheckpointError(.unreadable, path: dir, "cannot list directory (\(error.localizedDescription))")
        }
        let join = { (n: String) in (dir as NSString).appendingPathComponent(n) }
        if names.contains("model.safetensors.index.json") { return try openIndex(join("model.safetensors.index.json")) }
        let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
        if indexes.count == 1 { return try openIndex(join(indexes[0])) }
        if indexes.count > 1 {
            throw CheckpointError(.notACheckpoint, path: dir,
                                  "holds several indexes (\(indexes.joined(separator: ", "))); name one of them")
        }
        let files = names.filter { $0.hasSuffix(".safetensors") }
        if files.isEmpty {
            throw CheckpointError(.notACheckpoint, path: dir, "holds no *.safetensors file or *.safetensors.index.json")
        }
        return try openSafetensors(files.map(join), as: dir)
    }

    private static func openIndex(_ path: String) throws(CheckpointError) -> Checkpoint {
        let index = try ShardedIndex(path: path)
        let dir = (path as NSString).deletingLastPathComponent
        var files: [SourceFile] = [SourceFile(path: path, byteCount: fileSize(path))]
        var tensors: [TensorDescriptor] = []
        var metadata: [String: String] = [:]
        for shard in index.shards {
            let shardPath = (dir as NSString).appendingPathComponent(shard)
            let file = try SafetensorsFile(path: shardPath)
            files.append(SourceFile(path: shardPath, byteCount: file.byteCount))
            metadata.merge(file.metadata) { a, _ in a }
            let present = Dictionary(file.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for (name, s) in index.weightMap where s == shard {
                guard let t = present[name] else {
                    throw CheckpointError(.missingTensor, path: shardPath, tensor: name,
                                          "listed in \(path) but absent from this shard")
                }
                tensors.append(t)
            }
        }
        return try Checkpoint(path: path, files: files, tensors: tensors, metadata: metadata)
    }

    private static func openSafetensors(_ paths: [String], as path: String) throws(CheckpointError) -> Checkpoint {
        var files: [SourceFile] = []
        var tensors: [TensorDescriptor] = []
        var metadata: [String: String] = [:]
        for p in paths {
            let f = try SafetensorsFile(path: p)
            files.append(SourceFile(path: p, byteCount: f.byteCount))
            tensors += f.tensors
            metadata.merge(f.metadata) { a, _ in a }
        }
        return try Checkpoint(path: path, files: files, tensors: tensors, metadata: metadata)
    }

    private static func openNPY(_ path: String) throws(CheckpointError) -> Checkpoint {
        let f = try NPYFile(path: path)
        return try Checkpoint(path: path, files: [SourceFile(path: path, byteCount: fileSize(path))],
                              tensors: [f.tensor], metadata: [:])
    }

    private static func openNPZ(_ path: String) throws(CheckpointError) -> Checkpoint {
        let a = try NPZArchive(path: path)
        return try Checkpoint(path: path, files: [SourceFile(path: path, byteCount: fileSize(path))],
                              tensors: a.tensors, metadata: [:])
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
