#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The CLI's only way to talk to the user besides its output files: stderr
/// lines, and a progress line redrawn in place when stderr is a terminal.
enum Terminal {
    static let isInteractive = isatty(2) == 1

    /// Writes one line to stderr (a multi-line message is folded onto one line).
    static func line(_ text: String) {
        let folded = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        write(folded + "\n")
    }

    private static func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    static func warning(_ text: String) { line("warning: " + text) }

    /// Redraws the progress line (terminal only).
    static func progress(_ text: String) {
        guard isInteractive else { return }
        write("\r\u{1B}[K" + text)
    }

    /// Clears the progress line (terminal only).
    static func endProgress() {
        guard isInteractive else { return }
        write("\r\u{1B}[K")
    }

    /// Seconds as `42s`, `3m05s` or `1h02m`.
    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m" + String(format2(t % 60)) + "s" }
        return "\(t / 3600)h" + format2((t % 3600) / 60) + "m"
    }

    private static func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
