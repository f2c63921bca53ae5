import Foundation
import ZIPFoundation

/// A NumPy `.npz` archive (`np.savez` or `np.savez_compressed`): a zip of
/// `.npy` members. Each member becomes a tensor named after the member
/// without `.npy`. Members are decompressed into memory (a zip member
/// cannot be mapped); use safetensors for checkpoints too large for that.
public struct NPZArchive: Sendable {
    /// The archive's path.
    public let path: String
    /// The arrays, in archive order.
    public let tensors: [TensorDescriptor]

    /// Opens and parses every `.npy` member of the archive at `path`.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            if let region = try? ByteRegion.map(path: path), region.count == 0 {
                throw CheckpointError(.emptyFile, path: path, "empty file (0 bytes), not a .npz archive")
            }
            throw CheckpointError(.invalidArchive, path: path, "not a readable zip archive (\(error))")
        }
        var out: [TensorDescriptor] = []
        var seen = Set<String>()
        for entry in archive where entry.type == .file {
            let member = entry.path
            guard member.hasSuffix(".npy") else { continue }
            let name = String(member.dropLast(4))
            guard seen.insert(name).inserted else {
                throw CheckpointError(.duplicateTensor, path: path, tensor: name, "member appears twice in the archive")
            }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            } catch {
                throw CheckpointError(.invalidArchive, path: path, tensor: name, "member \(member) cannot be extracted (\(error))")
            }
            let npy = try NPYFile(path: "\(path):\(member)", name: name, region: ByteRegion(copying: data))
            out.append(npy.tensor)
        }
        tensors = out
    }
}
