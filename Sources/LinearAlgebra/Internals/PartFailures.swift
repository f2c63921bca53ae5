import Foundation

/// The errors the parts of a split computation threw, one slot per part; the
/// lowest-numbered part's error is the one reported, so which error a caller
/// sees does not depend on which part finished first.
internal final class PartFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [(any Error)?]

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func record(_ error: any Error, part: Int) {
        lock.lock()
        defer { lock.unlock() }
        errors[part] = error
    }

    /// The error of the lowest-numbered part that failed.
    var first: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return errors.lazy.compactMap { $0 }.first
    }
}
