extension TensorDescriptor {
    /// Decodes `self − base` (this tensor is the tuned side) over the C-order
    /// linear indices `range`, chunk by chunk: each chunk of both tensors is
    /// converted exactly to Float64 (as ``decode(elements:chunkElements:_:)``
    /// does) and subtracted while still in cache, then handed to `body` with
    /// the index of its first element. One pass over each tensor's bytes and
    /// no buffer the size of the tensor.
    ///
    /// The summaries are those ``decode(elements:chunkElements:_:)`` returns
    /// for each tensor over `range` with the same chunk size, bit for bit.
    ///
    /// - Precondition: both tensors have `elementCount` elements and `range` lies within.
    /// - Throws: ``CheckpointError/Code/unsupportedDType`` for a non-float dtype on
    ///   either side; ``CheckpointError/Code/nonFinite`` naming the file, tensor and
    ///   element of the first NaN or infinity (base side first in each chunk).
    public func decodeDifference(
        minus base: TensorDescriptor, elements range: Range<Int>, chunkElements: Int = 16_384,
        _ body: (_ firstIndex: Int, _ difference: UnsafeBufferPointer<Double>) throws -> Void
    ) throws -> (base: DecodeSummary, tuned: DecodeSummary) {
        precondition(base.elementCount == elementCount && range.lowerBound >= 0 && range.upperBound <= elementCount,
                     "TensorDescriptor.decodeDifference: \(range) of '\(name)' (\(elementCount)) and '\(base.name)' (\(base.elementCount))")
        let ulpBase = try base.ulpTable(), ulpTuned = try ulpTable()
        let chunk = max(1, chunkElements)
        let size = min(chunk, max(range.count, 1))
        var old = [Double](repeating: 0, count: size), new = [Double](repeating: 0, count: size)
        var summaries = (base: DecodeSummary(sumSquaredULP: 0, sumSquares: 0), tuned: DecodeSummary(sumSquaredULP: 0, sumSquares: 0))
        try base.region.withBytes(offset: base.byteOffset, count: base.byteCount) { rawBase in
            try region.withBytes(offset: byteOffset, count: byteCount) { rawTuned in
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = min(chunk, range.upperBound - start)
                    try old.withUnsafeMutableBufferPointer { b in
                        try new.withUnsafeMutableBufferPointer { t in
                            try base.decodeChunk(rawBase, first: start, count: n, into: b, ulp: ulpBase, summary: &summaries.base)
                            try decodeChunk(rawTuned, first: start, count: n, into: t, ulp: ulpTuned, summary: &summaries.tuned)
                            for k in 0..<n { t[k] -= b[k] }
                            try body(start, UnsafeBufferPointer(rebasing: t[0..<n]))
                        }
                    }
                    start += n
                }
            }
        }
        return summaries
    }
}
