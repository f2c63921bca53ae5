#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import IntrinsicDim
import Synchronization

/// SIGINT and SIGTERM end a command cleanly: every temporary file the
/// command is writing is removed (``TemporaryFiles``), one line goes to
/// stderr, and the process exits 130 (SIGINT) or 143 (SIGTERM), the shell's
/// 128 + signal. Output files are only ever renamed into place whole
/// (``AtomicFile``), so what remains are complete files from before the
/// interrupt; a sweep's journal holds whole lines only and resumes.
///
/// The signals arrive through dispatch sources on a serial queue of their own,
/// so they are handled while the main thread computes (a training loop or an
/// SVD never returns to a run loop). The handler runs on that queue, not in
/// signal context, so it may take locks and allocate; it ends with `_exit`,
/// holding the registry's lock so no file is renamed into place after it.
enum Interrupts {
    private static let queue = DispatchQueue(label: "intrinsic-dim.interrupts")
    private static let sources = Mutex<[any DispatchSourceSignal]>([])

    /// Installs the handlers (once per process) for `command`, which names the
    /// command in the message.
    static func install(command: String) {
        sources.withLock { sources in
            guard sources.isEmpty else { return }
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                // The default action would end the process before the source sees the signal.
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { terminate(command: command, signal: number, name: name) }
                source.resume()
                sources.append(source)
            }
        }
    }

    private static func terminate(command: String, signal number: Int32, name: String) -> Never {
        TemporaryFiles.removeAllAndHold {
            let text = (Terminal.isInteractive ? "\r\u{1B}[K" : "")
                + "intrinsic-dim \(command): interrupted by \(name); no partial output left\n"
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(2, $0.baseAddress!, $0.count) }
            _exit(128 + number)
        }
    }
}
