import CheckpointIO
import Foundation
import Training

/// The append-only record of a sweep, `journal.jsonl` in its directory: a
/// header line with the sweep's configuration, then one JSON line per
/// finished run (``SweepRecord``), appended with one `write(2)` and
/// `fsync`. A sweep killed at any moment leaves at most a partial last
/// line, which is dropped on the next open; the interrupted run is simply
/// not in the journal and is redone. A journal written by a different
/// configuration is refused, naming the first option that differs.
public struct SweepJournal: Sendable {
    /// The journal file.
    public let path: String
    /// Option name → value, as the sweep command spelled them.
    public let configuration: [String: String]
    /// Finished runs in the order they were appended.
    public private(set) var records: [SweepRecord]

    struct Header: Codable {
        var intrinsic_dim_sweep: Int
        var configuration: [String: String]
    }

    /// Reads the journal at `path` without changing it.
    ///
    /// - Throws: ``TrainingError/journalMismatch(path:_:)`` for an unreadable
    ///   header or record line (other than a partial last line).
    public static func read(_ path: String) throws -> SweepJournal {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CheckpointError(.unreadable, path: path, "cannot read the sweep journal (\(error.localizedDescription))")
        }
        return try read(path, contents: data)
    }

    /// Parses `data` as the contents of the journal `path` (fuzzing and tests).
    package static func read(_ path: String, contents data: Data) throws -> SweepJournal {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Data($0) }
        // The part after the last newline is a partial line (or empty).
        lines.removeLast()
        guard let first = lines.first, let header = try? JSONDecoder().decode(Header.self, from: first),
              header.intrinsic_dim_sweep == 1 else {
            throw TrainingError.journalMismatch(path: path, "the first line is not an intrinsic-dim sweep journal header")
        }
        var records: [SweepRecord] = []
        var seen = Set<Int>()
        for (k, line) in lines.dropFirst().enumerated() {
            guard let r = try? JSONDecoder().decode(SweepRecord.self, from: line) else {
                throw TrainingError.journalMismatch(path: path, "line \(k + 2) is not a run record")
            }
            guard seen.insert(r.index).inserted else {
                throw TrainingError.journalMismatch(path: path, "line \(k + 2) repeats run \(r.index)")
            }
            records.append(r)
        }
        return SweepJournal(path: path, configuration: header.configuration, records: records)
    }

    /// Opens the journal at `path` for a sweep with `configuration`, creating
    /// it when absent, dropping a partial last line.
    ///
    /// - Throws: ``TrainingError/journalMismatch(path:_:)`` when the journal
    ///   belongs to another configuration (naming the first differing option).
    public static func open(_ path: String, configuration: [String: String]) throws -> SweepJournal {
        if !FileManager.default.fileExists(atPath: path) {
            let header = try encoder().encode(Header(intrinsic_dim_sweep: 1, configuration: configuration))
            try AtomicFile.write(text: String(decoding: header, as: UTF8.self) + "\n", to: path)
            return SweepJournal(path: path, configuration: configuration, records: [])
        }
        let journal = try read(path)
        if let difference = Self.difference(journal.configuration, configuration) {
            throw TrainingError.journalMismatch(path: path, "was written by a different sweep: \(difference); refusing to mix runs (use another --out)")
        }
        try dropPartialLine(path)
        return journal
    }

    /// The first option (alphabetically) whose values differ, as "--name: journal has X, this sweep Y".
    public static func difference(_ journal: [String: String], _ current: [String: String]) -> String? {
        for key in Set(journal.keys).union(current.keys).sorted() where journal[key] != current[key] {
            return "--\(key): journal has \(journal[key] ?? "(unset)"), this sweep \(current[key] ?? "(unset)")"
        }
        return nil
    }

    /// Appends a finished run.
    public mutating func append(_ record: SweepRecord) throws {
        let line = try Self.encoder().encode(record)
        try AtomicFile.appendLine(String(decoding: line, as: UTF8.self), to: path)
        records.append(record)
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    private static func dropPartialLine(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n") else { return }
        let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        guard truncate(path, off_t(keep)) == 0 else {
            throw CheckpointError(.unreadable, path: path, "cannot drop the partial last line of the journal", errno: errno)
        }
    }
}
