/// Reads labelled datasets from IDX file pairs (MNIST, Fashion-MNIST) and
/// NumPy `.npz` archives.
///
/// Every check names the file and field: the images' and labels' lengths
/// must agree, labels must be integers in `0..<classCount`, inputs finite.
public enum DatasetLoader {
    /// An images/labels pair of IDX files (`.gz` read directly): images of
    /// type 0x08 (unsigned bytes, scaled by 1/255) or float, shape
    /// `[n, …]`; labels of an integer type, shape `[n]`.
    ///
    /// - Parameter classCount: when given, every label must be below it.
    /// - Throws: ``CheckpointError`` (`.invalidShape`, `.sizeMismatch`,
    ///   `.unsupportedDType`, `.labelOutOfRange`, `.nonFinite`, and the IDX
    ///   reader's own codes).
    public static func idx(images: String, labels: String, name: String, classCount: Int? = nil) throws(CheckpointError) -> Dataset {
        let xi = try IDXFile(path: images)
        let yi = try IDXFile(path: labels)
        guard xi.shape.count >= 2 else {
            throw CheckpointError(.invalidShape, path: images, "images must have shape [n, …] with at least 2 dimensions, got \(xi.shape)")
        }
        guard yi.shape.count == 1 else {
            throw CheckpointError(.invalidShape, path: labels, "labels must be 1-D [n], got shape \(yi.shape)")
        }
        switch yi.elementType {
        case .float32, .float64:
            throw CheckpointError(.unsupportedDType, path: labels, "labels must be an integer type, got \(yi.elementType)")
        default: break
        }
        guard xi.shape[0] == yi.shape[0] else {
            throw CheckpointError(.sizeMismatch, path: labels, "holds \(yi.shape[0]) labels but \(images) holds \(xi.shape[0]) images")
        }
        let x: [Float]
        if xi.elementType == .uint8 {
            x = xi.uint8Values().map { Float($0) / 255 }
        } else {
            x = xi.doubleValues().map(Float.init)
            try checkFinite(x, features: Array(xi.shape.dropFirst()).reduce(1, *), path: images, field: "images")
        }
        let y = try checkLabels(yi.doubleValues().map { Int64($0) }, classCount: classCount, path: labels, field: "labels")
        return Dataset(name: name, exampleShape: Array(xi.shape.dropFirst()), inputs: x, labels: y)
    }

    /// The arrays `x` (inputs, `[n, …]`) and `y` (integer labels, `[n]`) of
    /// an `.npz` archive, plus `x_test`/`y_test` when present.
    ///
    /// `uint8` inputs are scaled by 1/255; float inputs are used as stored.
    ///
    /// - Returns: the training set and, when the archive has
    ///   `x_test`/`y_test`, the test set.
    /// - Throws: ``CheckpointError``: `.missingTensor` (no `x` or `y`),
    ///   `.sizeMismatch` (lengths differ), `.unsupportedDType` (float
    ///   labels), `.labelOutOfRange`, `.nonFinite`, `.invalidShape`.
    public static func npz(path: String, classCount: Int? = nil) throws(CheckpointError) -> (train: Dataset, test: Dataset?) {
        let archive = try NPZArchive(path: path)
        func find(_ name: String) -> TensorDescriptor? { archive.tensors.first { $0.name == name } }
        guard let x = find("x") else {
            throw CheckpointError(.missingTensor, path: path, tensor: "x", "the archive has no array 'x' (inputs); it holds \(archive.tensors.map(\.name))")
        }
        guard let y = find("y") else {
            throw CheckpointError(.missingTensor, path: path, tensor: "y", "the archive has no array 'y' (labels); it holds \(archive.tensors.map(\.name))")
        }
        let train = try pair(x, y, path: path, name: lastComponent(path), classCount: classCount)
        var test: Dataset? = nil
        if let xt = find("x_test"), let yt = find("y_test") {
            test = try pair(xt, yt, path: path, name: lastComponent(path) + ":test", classCount: classCount)
            guard test!.exampleShape == train.exampleShape else {
                throw CheckpointError(.invalidShape, path: path, tensor: "x_test", "examples of shape \(test!.exampleShape) differ from x's \(train.exampleShape)")
            }
        }
        return (train, test)
    }

    private static func pair(_ x: TensorDescriptor, _ y: TensorDescriptor, path: String, name: String, classCount: Int?) throws(CheckpointError) -> Dataset {
        guard x.shape.count >= 1, x.shape[0] > 0 else {
            throw CheckpointError(.invalidShape, path: path, tensor: x.name, "inputs must have shape [n, …] with n > 0, got \(x.shape)")
        }
        guard y.shape.count == 1 else {
            throw CheckpointError(.invalidShape, path: path, tensor: y.name, "labels must be 1-D [n], got shape \(y.shape)")
        }
        guard x.shape[0] == y.shape[0] else {
            throw CheckpointError(.sizeMismatch, path: path, tensor: y.name, "holds \(y.shape[0]) labels but '\(x.name)' holds \(x.shape[0]) examples")
        }
        guard !y.dtype.isReadableReal else {
            throw CheckpointError(.unsupportedDType, path: path, tensor: y.name, "labels must be integers, got dtype \(y.dtype.rawValue)")
        }
        let exampleShape = x.shape.count == 1 ? [1] : Array(x.shape.dropFirst())
        let features = exampleShape.reduce(1, *)
        guard features > 0 else {
            throw CheckpointError(.invalidShape, path: path, tensor: x.name, "examples of shape \(exampleShape) hold no values")
        }
        let values: [Float]
        if x.dtype == .u8 {
            values = try x.readIntegers().map { Float($0) / 255 }
        } else if x.dtype.isReadableReal {
            do { values = try x.readDoubles().map(Float.init) } catch let e as CheckpointError { throw e } catch {
                throw CheckpointError(.unreadable, path: path, tensor: x.name, "\(error)")
            }
            try checkFinite(values, features: features, path: path, field: x.name)
        } else {
            values = try x.readIntegers().map(Float.init)
        }
        let labels = try checkLabels(y.readIntegers(), classCount: classCount, path: path, field: y.name)
        return Dataset(name: name, exampleShape: exampleShape, inputs: values, labels: labels)
    }

    private static func checkFinite(_ x: [Float], features: Int, path: String, field: String) throws(CheckpointError) {
        if let i = x.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(.nonFinite, path: path, tensor: field,
                                  "\(x[i].isNaN ? "NaN" : "infinity") in example \(i / features) (value \(i % features))",
                                  element: [i / features, i % features])
        }
    }

    private static func checkLabels(_ y: [Int64], classCount: Int?, path: String, field: String) throws(CheckpointError) -> [Int32] {
        let limit = Int64(classCount ?? Int(Int32.max))
        if let i = y.firstIndex(where: { $0 < 0 || $0 >= limit }) {
            let range = classCount.map { "0…\($0 - 1) (\($0) classes)" } ?? "non-negative"
            throw CheckpointError(.labelOutOfRange, path: path, tensor: field,
                                  "label \(y[i]) at index \(i) is outside \(range)", element: [i])
        }
        return y.map { Int32($0) }
    }

    private static func lastComponent(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }
}
