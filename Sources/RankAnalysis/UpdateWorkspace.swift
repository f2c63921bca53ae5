import LinearAlgebra

/// One worker's ΔW buffer, kept across the tensors it analyses and grown
/// when a tensor needs more: 2 MiB-aligned and advised as transparent huge
/// pages (``LinearAlgebra/AlignedBuffer``), with no zero-filling pass, so a
/// 30522 × 384 update (94 MB of Float64) is faulted in by ~45 huge-page
/// faults during its own formation instead of ~23 000 small ones in a
/// separate memset. Not thread-safe: one per worker.
internal final class UpdateWorkspace {
    private var storage: AlignedBuffer<Double>?

    init() {}

    /// Calls `body` with `count` Float64 elements of the workspace (growing it
    /// first when smaller), whose values are unspecified until written.
    func withBuffer<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        if (storage?.count ?? -1) < count { storage = nil; storage = AlignedBuffer(unspecifiedValuesCount: count) }
        return try storage!.withUnsafeMutableBufferPointer { whole in
            try body(UnsafeMutableBufferPointer(rebasing: whole[0..<count]))
        }
    }
}
