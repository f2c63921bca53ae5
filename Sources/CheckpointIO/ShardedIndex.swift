/// A sharded safetensors checkpoint's index, `model.safetensors.index.json`:
/// `{"metadata": {…}, "weight_map": {tensor name: shard file name}}`, as
/// written by `transformers`' `save_pretrained`. Shard names are relative to
/// the index's directory.
public struct ShardedIndex: Sendable {
    /// The index file's path.
    public let path: String
    /// Tensor name → shard file name (relative to the index's directory).
    public let weightMap: [String: String]
    /// The shard file names, sorted, each once.
    public var shards: [String] { Array(Set(weightMap.values)).sorted() }

    /// Reads and validates the index at `path`.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        let region = try ByteRegion.map(path: path)
        if region.count == 0 { throw CheckpointError(.emptyFile, path: path, "empty file (0 bytes), not a safetensors index") }
        let bytes = region.withBytes(offset: 0, count: region.count) { Array($0) }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw CheckpointError(.invalidIndex, path: path, "index is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw CheckpointError(.invalidIndex, path: path, "index is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object = json else {
            throw CheckpointError(.invalidIndex, path: path, "index is a JSON \(json.typeName), not an object")
        }
        guard let mapValue = json["weight_map"] else {
            throw CheckpointError(.invalidIndex, path: path, "index has no 'weight_map' field")
        }
        guard case let .object(pairs) = mapValue else {
            throw CheckpointError(.invalidIndex, path: path, "'weight_map' is a JSON \(mapValue.typeName), not an object")
        }
        var map: [String: String] = [:]
        for (name, shard) in pairs {
            guard case let .string(file) = shard, !file.isEmpty else {
                throw CheckpointError(.invalidIndex, path: path, tensor: name, "'weight_map' entry is not a shard file name")
            }
            guard !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw CheckpointError(.invalidIndex, path: path, tensor: name, "shard '\(file)' is not a file beside the index")
            }
            guard map.updateValue(file, forKey: name) == nil else {
                throw CheckpointError(.duplicateTensor, path: path, tensor: name, "appears twice in 'weight_map'")
            }
        }
        weightMap = map
    }
}
