/// Σ xᵢ² over a vector delivered in pieces, in Float64, in four lanes: element
/// i (its index in the whole vector) is added to lane i mod 4, the lanes are
/// added as (l₀ + l₁) + (l₂ + l₃) at the end. The additions within a lane are
/// independent of the other lanes, so the loop is not held up by one FP-add
/// latency per element; and since the lane of an element depends on its
/// index alone, the sum is bit-identical however the vector is cut into pieces
/// (a formed ΔW and a streamed one give the same ‖ΔW‖²_F).
struct SquareSum {
    private var lanes = SIMD4<Double>(repeating: 0)

    /// Adds the squares of `piece`, whose first element has index `first` in the whole vector.
    mutating func add(_ piece: UnsafeBufferPointer<Double>, first: Int) {
        var k = 0
        let count = piece.count
        while k < count && (first + k) & 3 != 0 {
            lanes[(first + k) & 3] += piece[k] * piece[k]
            k += 1
        }
        while k + 4 <= count {
            let x = SIMD4(piece[k], piece[k + 1], piece[k + 2], piece[k + 3])
            lanes += x * x
            k += 4
        }
        while k < count {
            lanes[(first + k) & 3] += piece[k] * piece[k]
            k += 1
        }
    }

    /// The sum so far.
    var value: Double { (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) }
}
