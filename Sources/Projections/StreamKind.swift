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
    /// A model's initial weights: group = tensor index, words in element order.
    case initialization = 6
    /// The example order of one training epoch: index = epoch.
    case shuffle = 7
    /// A held-out test split of a dataset without one.
    case split = 8
    /// The bootstrap replicates of a sweep's d_int90: index = replicate.
    case bootstrap = 9
    /// The random subspaces of `compare`'s chance baseline of φ: group = tensor
    /// index, index = 0 (left) or 1 (right) for the first subspace, 2 and 3 for the second.
    case similarityBaseline = 10
    /// LoRA's initial A factors: group = target index (in the model's tensor order), words in element order.
    case loraInitialization = 11
    /// The Gaussian sketch Ω of a randomized SVD (``GaussianSketch``): group = a 24-bit
    /// hash of the tensor name, index = column of Ω, normal number i = row i.
    case sketch = 12
    /// An encoder's dropout masks: group = dropout site, Philox counter = (element / 8, step, 0, 0),
    /// element k keeps when its 32-bit word (k mod 8 of the block) is ≥ p·2³².
    case dropout = 13
}
