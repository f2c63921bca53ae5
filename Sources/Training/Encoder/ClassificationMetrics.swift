/// Accuracy and macro-averaged F1 of predicted class ids against true ones.
public enum ClassificationMetrics {
    /// The fraction of `predictions` equal to `labels` (0 for none).
    public static func accuracy(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count, "ClassificationMetrics: \(predictions.count) predictions for \(labels.count) labels")
        guard !labels.isEmpty else { return 0 }
        return Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// Macro-F1 as scikit-learn's `f1_score(labels, predictions, average="macro")`: the mean
    /// over every class that occurs among the labels or the predictions of
    /// F1 = 2·TP / (2·TP + FP + FN) (a class predicted but never true, or true but never
    /// predicted, counts with F1 0; a class in neither is left out). 0 for no examples.
    public static func macroF1(predictions: [Int], labels: [Int], classCount: Int) -> Double {
        precondition(predictions.count == labels.count, "ClassificationMetrics: \(predictions.count) predictions for \(labels.count) labels")
        var tp = [Int](repeating: 0, count: classCount), fp = tp, fn = tp
        for (p, l) in zip(predictions, labels) {
            if p == l { tp[l] += 1 } else { fp[p] += 1; fn[l] += 1 }
        }
        var sum = 0.0, classes = 0
        for c in 0..<classCount where tp[c] + fp[c] + fn[c] > 0 {
            sum += 2 * Double(tp[c]) / Double(2 * tp[c] + fp[c] + fn[c])
            classes += 1
        }
        return classes == 0 ? 0 : sum / Double(classes)
    }
}
