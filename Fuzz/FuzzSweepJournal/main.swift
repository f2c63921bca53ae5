import Foundation
import Sweeps
import _FuzzSupport

// A sweep's journal.jsonl: the header line, each run record, the partial
// last line, repeated run indices; then the checks `sweep` makes on it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSweepJournal(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contents = Data(fuzzInput(data, size))
    guard let journal = try? SweepJournal.read("journal.jsonl", contents: contents) else { return 0 }
    _ = SweepJournal.difference(journal.configuration, ["model": "fc"])
    for r in journal.records {
        _ = r.directoryName
        _ = r.sameOutcome(as: r)
    }
    return 0
}

fuzzMain(fuzzSweepJournal)
