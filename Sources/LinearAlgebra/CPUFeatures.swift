import Foundation

/// The processor as Linux describes it in `/proc/cpuinfo`: its vendor, its
/// model name and the feature flags every processor of the machine lists.
///
/// The kernel lists only the features the operating system has enabled: a
/// feature whose register state the OS does not save (AVX-512 without the ZMM
/// state in XCR0, say) is absent even when CPUID reports it, so a kernel chosen
/// from these flags can run. ``BLASKernel/preferredKernel(for:available:)``
/// reads them.
public struct CPUFeatures: Sendable, Hashable {
    /// The `vendor_id` field, e.g. `"GenuineIntel"`, `"AuthenticAMD"`; empty when absent.
    public var vendor: String
    /// The `model name` field, e.g. `"Intel(R) Xeon(R) Platinum 8488C"`; empty when absent.
    public var modelName: String
    /// The flags (lower case, e.g. `avx2`, `avx512f`) that every processor
    /// block of the text lists: on a machine whose cores differ, only the
    /// features all of them have. Empty when the text has no `flags` line
    /// (another architecture, or no `/proc`).
    public var flags: Set<String>

    /// Features with the given fields.
    public init(vendor: String, modelName: String, flags: Set<String>) {
        self.vendor = vendor
        self.modelName = modelName
        self.flags = flags
    }

    /// Parses the text of `/proc/cpuinfo`: lines `key<tabs>: value`, one
    /// block per processor. `vendor_id` and `model name` come from the first
    /// block that has them; ``flags`` is the intersection of every `flags`
    /// line. Lines of any other form are ignored.
    public init(cpuinfo text: String) {
        var vendor = "", model = ""
        var flags: Set<String>? = nil
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "vendor_id" where vendor.isEmpty: vendor = value
            case "model name" where model.isEmpty: model = value
            case "flags":
                let these = Set(value.split(separator: " ").map { $0.lowercased() })
                flags = flags.map { $0.intersection(these) } ?? these
            default: continue
            }
        }
        self.init(vendor: vendor, modelName: model, flags: flags ?? [])
    }

    /// This machine's features, read from `/proc/cpuinfo`; nil when the file
    /// cannot be read (not Linux, or no `/proc`).
    public static func current() -> CPUFeatures? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return CPUFeatures(cpuinfo: text)
    }

    /// Whether every one of `names` is among ``flags``.
    public func has(_ names: [String]) -> Bool { names.allSatisfy(flags.contains) }

    /// Whether the vendor is AMD or Hygon (whose Zen cores OpenBLAS has its own kernel for).
    public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }
}
