import ArgumentParser

/// A byte count given as `67108864`, `64MB`, `64MiB`, `1GB` or `1.5GiB`
/// (MB/GB are decimal, MiB/GiB binary).
struct MemorySize: ExpressibleByArgument, CustomStringConvertible {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024),
                                         ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
        var text = argument
        var factor = 1.0
        for (suffix, f) in units where text.hasSuffix(suffix) {
            text.removeLast(suffix.count)
            factor = f
            break
        }
        guard let value = Double(text), value.isFinite, value > 0, value * factor < 1e18 else { return nil }
        bytes = Int(value * factor)
    }

    var description: String { "\(bytes) bytes" }
}
