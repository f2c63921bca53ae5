/// A NumPy `.npz` archive (`np.savez` or `np.savez_compressed`): a zip of
/// `.npy` members. Each member becomes a tensor named after the member
/// without `.npy`. Members are decompressed into memory (a zip member
/// cannot be mapped); use safetensors for checkpoints too large for that.
///
/// The archive is mapped and its central directory read here (stored and
/// deflated members, ZIP64, no encryption); a member that is cut short,
/// inflates to other than its recorded size or fails its CRC-32 is an
/// ``CheckpointError/Code/invalidArchive`` error naming it.
public struct NPZArchive: Sendable {
    /// The archive's path.
    public let path: String
    /// The arrays, in archive order.
    public let tensors: [TensorDescriptor]

    /// Opens and parses every `.npy` member of the archive at `path`.
    public init(path: String) throws(CheckpointError) {
        let region = try ByteRegion.map(path: path)
        self.path = path
        tensors = try region.withBytes(offset: 0, count: region.count) { (b) throws(CheckpointError) in
            try Self.members(of: b, path: path)
        }
    }

    /// Parses `bytes` as the contents of the archive `path` (fuzzing and tests).
    package init(path: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        self.path = path
        tensors = try Self.members(of: bytes, path: path)
    }

    private static func members(of b: UnsafeRawBufferPointer, path: String) throws(CheckpointError) -> [TensorDescriptor] {
        if b.isEmpty { throw CheckpointError(.emptyFile, path: path, "empty file (0 bytes), not a .npz archive") }
        let directory: ZipDirectory
        do {
            directory = try ZipDirectory(b)
        } catch {
            throw CheckpointError(.invalidArchive, path: path, "not a readable zip archive: \(error.message)")
        }
        var out: [TensorDescriptor] = []
        var seen = Set<String>()
        for member in directory.members where !member.name.hasSuffix("/") {
            guard member.name.hasSuffix(".npy") else { continue }
            let name = String(member.name.dropLast(4))
            guard seen.insert(name).inserted else {
                throw CheckpointError(.duplicateTensor, path: path, tensor: name, "member appears twice in the archive")
            }
            let bytes: [UInt8]
            do {
                bytes = try ZipDirectory.extract(member, from: b)
            } catch {
                throw CheckpointError(.invalidArchive, path: path, tensor: name, "member \(member.name) cannot be extracted: \(error.message)")
            }
            let region = bytes.withUnsafeBytes { ByteRegion(copying: $0) }
            let npy = try NPYFile(path: "\(path):\(member.name)", name: name, region: region)
            out.append(npy.tensor)
        }
        return out
    }
}
