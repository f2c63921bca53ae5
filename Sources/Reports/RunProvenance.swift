import CheckpointIO
import LinearAlgebra
import Foundation

/// Where a result came from: the tool, its inputs, its options and how long
/// it took. Embedded in every JSON report.
public struct RunProvenance: Sendable, Codable {
    /// One input (a checkpoint or data set) and the files it was read from.
    public struct Input: Sendable, Codable {
        /// The path as given.
        public let path: String
        /// The files read, with their sizes in bytes.
        public let files: [Checkpoint.SourceFile]
        /// An input read from `files` (sizes in bytes), opened as `path`.
        public init(path: String, files: [Checkpoint.SourceFile]) {
            self.path = path
            self.files = files
        }
        /// The input a checkpoint was opened from.
        public init(_ checkpoint: Checkpoint) {
            self.init(path: checkpoint.path, files: checkpoint.files)
        }
    }

    /// `intrinsic-dim`.
    public var tool = ToolInfo.name
    /// The toolkit version.
    public var version = ToolInfo.version
    /// The subcommand, e.g. `rank`.
    public var command: String
    /// The full command line.
    public var arguments: [String]
    /// Inputs by role (`base`, `tuned`, …).
    public var inputs: [String: Input]
    /// Every option, rendered as text.
    public var options: [String: String]
    /// Native library versions.
    public var libraries: [String: String] = ToolInfo.libraries
    /// The OpenBLAS kernel the run used (`corename`, `config`), who chose it
    /// (`origin`: `detected`, `chosen` by the tool, or set by the `user`) and
    /// the `OPENBLAS_CORETYPE` value asked for (`requested`, absent when
    /// unset). Nil (absent) only in a record read from a file written before
    /// it was recorded.
    public var blasKernel: BLASKernel? = ToolInfo.blasKernel
    /// Start time, ISO 8601 in UTC.
    public var startedAt: String
    /// Wall time, seconds.
    public var seconds: Double
    /// The host name and processor count.
    public var host: String = ProcessInfo.processInfo.hostName
    /// Active processors on the host.
    public var processors: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Which share of a split run this is (`rank --shard k/N`); `nil` (and
    /// absent from the JSON) for a whole run.
    public var shard: Shard? = nil

    /// A record of one command run.
    ///
    /// - Parameters:
    ///   - command: the subcommand (`rank`, `compare`, …).
    ///   - arguments: the full command line (`CommandLine.arguments`).
    ///   - inputs: the inputs by role (`base`, `tuned`, `adapter`, …).
    ///   - options: every option rendered as text.
    ///   - startedAt: when the run started; stored as ISO 8601 in UTC.
    ///   - seconds: the wall time, in seconds.
    public init(command: String, arguments: [String], inputs: [String: Input], options: [String: String],
                startedAt: Date, seconds: Double) {
        self.command = command
        self.arguments = arguments
        self.inputs = inputs
        self.options = options
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case tool, version, command, arguments, inputs, options, libraries, host, processors, seconds, shard
        case startedAt = "started_at"
        case blasKernel = "blas_kernel"
    }
}
