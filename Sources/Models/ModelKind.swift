/// The built-in architectures of Li et al. (2018).
public enum ModelKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Fully connected in-200-200-classes with ReLU (D = 199,210 on MNIST).
    case fc
    /// LeNet-5 on 28×28×1 images (D = 44,426).
    case lenet

    /// The model for `features` inputs (per example) and `classes` outputs.
    ///
    /// - Throws: ``ModelError`` when LeNet gets inputs that are not 28×28×1.
    public func make(inputFeatures features: Int, classes: Int) throws(ModelError) -> any Model {
        guard classes >= 2 else { throw ModelError(.invalidOption, path: "--classes", "a classifier needs at least 2 classes, got \(classes)") }
        switch self {
        case .fc:
            return FCNetwork(inputFeatures: features, hidden: [200, 200], classes: classes)
        case .lenet:
            guard features == 28 * 28 else {
                throw ModelError(.invalidOption, path: "--model", "lenet takes 28×28 single-channel images (784 values), the dataset has \(features) per example")
            }
            return LeNet5(classes: classes)
        }
    }
}
