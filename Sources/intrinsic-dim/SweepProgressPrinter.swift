import IntrinsicDim

/// A sweep's progress on stderr, for `sweep` and `experiment finetune`.
enum SweepProgressPrinter {
    static func print(_ event: SweepProgress) {
        switch event {
        case let .resuming(n):
            Terminal.line("sweep: resuming; \(n) runs already in the journal")
        case let .epoch(run, r, remaining):
            let eta = remaining.map { "  ETA \(Terminal.duration($0))" } ?? ""
            Terminal.progress("run \(run.position)/\(run.total.map(String.init) ?? "?") (\(run.label), seed \(run.run.seed))  epoch \(r.epoch)/\(run.epochs)  test accuracy \(String(format: "%.4f", r.testAccuracy))\(eta)")
        case let .finished(run, record):
            Terminal.endProgress()
            Terminal.line("run \(run.position)/\(run.total.map(String.init) ?? "?") (\(run.label), seed \(run.run.seed)): \(record.status.rawValue), final test accuracy \(String(format: "%.4f", record.finalTestAccuracy)) in \(Terminal.duration(record.seconds))")
        }
    }
}
