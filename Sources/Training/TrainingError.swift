/// Why a training run or sweep could not start or go on. The description is
/// one line naming the option, file or tensor concerned.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An option value that cannot work (`--d 0`, a model that does not fit the data, …).
    case invalidOption(_ option: String, _ message: String)
    /// A sweep directory whose journal belongs to another configuration or is damaged.
    case journalMismatch(path: String, _ message: String)

    public var description: String {
        switch self {
        case let .invalidOption(option, message): return "--\(option): \(message)"
        case let .journalMismatch(path, message): return "\(path): \(message)"
        }
    }
}
