import CheckpointIO
import Projections

extension Dataset {
    /// Splits off a held-out test set: ⌈count·fraction⌉ examples chosen by a
    /// Fisher–Yates shuffle of stream `(seed, split)`, in index order; the
    /// rest, in index order, is the training set.
    ///
    /// - Throws: ``TrainingError`` when the fraction leaves either side empty.
    public func split(testFraction: Double, seed: UInt64) throws(TrainingError) -> (train: Dataset, test: Dataset) {
        guard testFraction > 0, testFraction < 1 else {
            throw .invalidOption("test-fraction", "must be strictly between 0 and 1, got \(testFraction)")
        }
        let held = Int((Double(count) * testFraction).rounded(.up))
        guard held >= 1, held < count else {
            throw .invalidOption("test-fraction", "\(testFraction) of \(count) examples leaves an empty training or test set")
        }
        let perm = RandomStream(seed: seed, kind: .split).permutation(count: count)
        let testIdx = perm[0..<held].sorted()
        let trainIdx = perm[held...].sorted()
        return (subset(trainIdx, name: name + ":train"), subset(testIdx, name: name + ":test"))
    }
}
