/// What a random stream is used for; the top byte of its stream id (see
/// ``RandomStream/id(kind:group:index:)`` and `RandomStreams.md`).
public enum StreamKind: UInt64, Sendable, CaseIterable {
    /// Entries of a dense projection.
    case dense = 1
    /// Gaps and signs of one sparse column.
    case sparse = 2
    /// Fastfood's diagonal of signs B.
    case fastfoodSigns = 3
    /// Fastfood's permutation Π.
    case fastfoodPermutation = 4
    /// Fastfood's Gaussian diagonal G.
    case fastfoodGaussian = 5
}
