import ArgumentParser

/// Runs a command body so that any library error becomes one stderr line
/// `intrinsic-dim <command>: error: <what>` and exit status 1, never a stack
/// trace. Bad flags stay `ValidationError`s (exit 64, with usage). SIGINT and
/// SIGTERM from here on end the command with 130/143 and no partial output
/// (see ``Interrupts``).
func reportingFailures(_ command: String, _ body: () throws -> Void) throws {
    Interrupts.install(command: command)
    do {
        try body()
    } catch let e as ValidationError {
        throw e
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch {
        Terminal.endProgress()
        Terminal.line("intrinsic-dim \(command): error: \(error)")
        throw ExitCode.failure
    }
}
