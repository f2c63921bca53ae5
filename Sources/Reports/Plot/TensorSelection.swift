import CheckpointIO

/// Which tensors a spectra or similarity figure draws.
///
/// With explicit names (`--tensors`), those, in the order given; every one must
/// exist. Otherwise, when there are more than `limit`, the `limit` tensors of
/// largest ‖ΔW‖_F (of ΔW_full in a compare folder, ΔW_lora without one), kept
/// in file order; else all of them.
enum TensorSelection {
    /// The chosen tensors and a caption saying how they were chosen.
    static func choose(from tensors: [String], norms: [String: Double], requested: [String]?, limit: Int, path: String,
                       normName: String) throws(CheckpointError) -> (tensors: [String], caption: String) {
        if let requested, !requested.isEmpty {
            for t in requested where !tensors.contains(t) {
                throw CheckpointError(.missingTensor, path: path, tensor: t,
                                      "not in this file (it has \(tensors.prefix(8).joined(separator: ", "))\(tensors.count > 8 ? ", …" : ""))")
            }
            return (requested, "\(requested.count) of \(tensors.count) tensors, chosen with --tensors")
        }
        if tensors.count <= limit {
            return (tensors, tensors.count == 1 ? "1 tensor" : "all \(tensors.count) tensors")
        }
        let top = Set(tensors.sorted { (norms[$0] ?? 0) > (norms[$1] ?? 0) }.prefix(limit))
        return (tensors.filter { top.contains($0) }, "the \(limit) of \(tensors.count) tensors with the largest \(normName)")
    }

    /// `name` made safe for a file name: characters other than letters, digits, `.`, `-` and `_` become `_`.
    static func fileSafe(_ name: String) -> String {
        String(name.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "-" || s == "_") ? Character(s) : "_"
        })
    }
}
