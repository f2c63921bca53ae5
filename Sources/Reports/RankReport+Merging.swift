import Foundation
import RankAnalysis

extension RankReport {
    /// Combines the reports of the shards of one split `rank` run (each read
    /// with ``read(from:)``) into the report a single run of the same options
    /// writes: the same rows in the same order, the same skipped tensors and,
    /// with `--vectors`, the same vectors.
    ///
    /// The merged provenance is the first shard's without its `shard` record,
    /// with `arguments` (the merge's command line), the earliest start time
    /// and the shards' summed wall time.
    ///
    /// - Parameter shards: each shard's folder (named in errors) and report, in any order.
    /// - Throws: ``ShardMergeError`` naming the folder of a report that is not a
    ///   shard, belongs to another run or other options (the thread count
    ///   aside), repeats a shard or a tensor, or lacks a tensor; or naming the
    ///   first folder when a shard k of N is missing.
    public static func merge(_ shards: [(directory: String, report: RankReport)], arguments: [String]) throws(ShardMergeError) -> RankReport {
        guard let head = shards.first else { throw ShardMergeError(".", "no shard folder given") }
        let (firstDir, first) = head
        func record(_ dir: String, _ r: RankReport) throws(ShardMergeError) -> RunProvenance.Shard {
            guard r.provenance.command == "rank" else {
                throw ShardMergeError(dir, "written by '\(r.provenance.command)', not rank")
            }
            guard let s = r.provenance.shard else {
                throw ShardMergeError(dir, "not a shard: rank_summary.json has no provenance.shard (written without --shard)")
            }
            return s
        }
        let reference = try record(firstDir, first)
        var byIndex: [Int: String] = [:]
        var owner: [String: String] = [:]
        var matrices: [String: TensorRankResult] = [:]
        var vectors: [String: VectorUpdateResult] = [:]
        for (dir, r) in shards {
            let s = try record(dir, r)
            let p = r.provenance, p0 = first.provenance
            if let why = Self.difference(p, s, from: p0, reference) ?? (r.result.skipped == first.result.skipped ? nil : "the skipped tensors differ") {
                throw ShardMergeError(dir, "belongs to a different run than \(firstDir): \(why)")
            }
            if let other = byIndex.updateValue(dir, forKey: s.index) {
                throw ShardMergeError(dir, "shard \(s.index)/\(s.count) given twice (also \(other))")
            }
            for name in s.assigned {
                if let other = owner.updateValue(dir, forKey: name) {
                    throw ShardMergeError(dir, "tensor '\(name)' is also in \(other)")
                }
            }
            let assigned = Set(s.assigned)
            for m in r.result.matrices {
                guard assigned.contains(m.tensor), matrices.updateValue(m, forKey: m.tensor) == nil else {
                    throw ShardMergeError(dir, "tensor '\(m.tensor)' is not assigned to shard \(s.index)/\(s.count) or is listed twice")
                }
            }
            for v in r.result.vectors {
                guard assigned.contains(v.tensor), vectors.updateValue(v, forKey: v.tensor) == nil else {
                    throw ShardMergeError(dir, "tensor '\(v.tensor)' is not assigned to shard \(s.index)/\(s.count) or is listed twice")
                }
            }
            let present = Set(r.result.matrices.map(\.tensor) + r.result.vectors.map(\.tensor))
            if let lost = s.assigned.first(where: { !present.contains($0) }) {
                throw ShardMergeError(dir, "tensor '\(lost)' of shard \(s.index)/\(s.count) is missing from its results")
            }
        }
        if let k = (1...reference.count).first(where: { byIndex[$0] == nil }) {
            let given = byIndex.keys.sorted().map { "\(byIndex[$0]!) (\($0)/\(reference.count))" }.joined(separator: ", ")
            throw ShardMergeError(firstDir, "shard \(k)/\(reference.count) is missing; given \(given)")
        }
        if let lost = (reference.matrices + reference.vectors).first(where: { owner[$0] == nil }) {
            throw ShardMergeError(firstDir, "tensor '\(lost)' is in no shard")
        }
        var provenance = first.provenance
        provenance.shard = nil
        provenance.arguments = arguments
        provenance.startedAt = shards.map(\.report.provenance.startedAt).min()!
        provenance.seconds = shards.reduce(0) { $0 + $1.report.provenance.seconds }
        provenance.host = ProcessInfo.processInfo.hostName
        provenance.processors = ProcessInfo.processInfo.activeProcessorCount
        let result = RankAnalysisResult(matrices: reference.matrices.map { matrices[$0]! },
                                        vectors: reference.vectors.map { vectors[$0]! },
                                        skipped: first.result.skipped, seconds: provenance.seconds)
        return RankReport(result: result, provenance: provenance)
    }

    /// Why shard `s` (provenance `p`) is not of the same run as shard `s0` (`p0`), or nil.
    private static func difference(_ p: RunProvenance, _ s: RunProvenance.Shard,
                                   from p0: RunProvenance, _ s0: RunProvenance.Shard) -> String? {
        if p.version != p0.version { return "version \(p.version) vs \(p0.version)" }
        if s.count != s0.count { return "\(s.count) shards vs \(s0.count)" }
        if s.rule != s0.rule { return "a different sharding rule" }
        for role in Set(p.inputs.keys).union(p0.inputs.keys).sorted() {
            let a = p.inputs[role], b = p0.inputs[role]
            if a?.path != b?.path || a?.files != b?.files {
                return "input \(role) is \(a?.path ?? "absent") vs \(b?.path ?? "absent")" + (a?.path == b?.path ? " (different files or sizes)" : "")
            }
        }
        for key in Set(p.options.keys).union(p0.options.keys).sorted() where key != "jobs" && p.options[key] != p0.options[key] {
            return "option \(key) is '\(p.options[key] ?? "")' vs '\(p0.options[key] ?? "")'"
        }
        if s.matrices != s0.matrices || s.vectors != s0.vectors { return "the run's tensor lists differ" }
        return nil
    }
}
