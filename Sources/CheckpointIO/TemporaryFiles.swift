#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// The temporary files and folders this process is writing (``AtomicFile``'s
/// `.<name>.tmp-<pid>` files, a copy's `.partial-<pid>` folder), so that an
/// interrupt can remove them before the process exits.
///
/// One lock guards the registry and every step that makes output visible (an
/// ``AtomicFile`` rename, a journal line's `write(2)`). An interrupt handler
/// calls ``removeAllAndHold(_:)``: it takes the lock, removes what is
/// registered, and runs its body, which ends the process, without releasing the lock.
/// So an interrupt lands either before a file is renamed into place (the temporary
/// file is removed, the target keeps its old content or stays absent) or after
/// (the file is complete), and never between a journal line's first and last byte.
public enum TemporaryFiles {
    struct Registry {
        var paths: [Int: String] = [:]
        var next = 0
    }

    private static let registry = Mutex(Registry())

    /// A registered path, returned by ``register(_:)``.
    package struct Token: Sendable { let id: Int }

    /// Registers `path` (a file or a folder) for removal on interrupt. Call it
    /// before creating the path, so no moment exists when it is on disk and unknown.
    package static func register(_ path: String) -> Token {
        registry.withLock { r in
            let id = r.next
            r.next += 1
            r.paths[id] = path
            return Token(id: id)
        }
    }

    /// Forgets a registered path (it was renamed into place or removed).
    package static func unregister(_ token: Token) {
        registry.withLock { r in _ = r.paths.removeValue(forKey: token.id) }
    }

    /// Runs `body` under the registry's lock, then forgets `tokens`: the step
    /// that makes an output visible, which an interrupt cannot split.
    package static func publishing<R>(unregistering tokens: [Token] = [], _ body: () -> R) -> R {
        registry.withLock { r in
            let value = body()
            for t in tokens { r.paths.removeValue(forKey: t.id) }
            return value
        }
    }

    /// Takes the registry's lock, removes every registered file and folder,
    /// then runs `terminate`, which must end the process (`_exit`): the lock is
    /// never released, so no other thread can rename a file into place or
    /// begin a journal line afterwards. For an interrupt handler running on a
    /// dispatch queue (not inside a signal handler: it allocates).
    public static func removeAllAndHold(_ terminate: () -> Never) -> Never {
        registry.withLock { (r: inout Registry) -> Never in
            for path in r.paths.values { try? FileManager.default.removeItem(atPath: path) }
            r.paths.removeAll()
            terminate()
        }
    }
}
