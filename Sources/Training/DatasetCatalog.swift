import CheckpointIO
import Foundation

/// Finds and loads the datasets `--dataset` names: `mnist`,
/// `fashion-mnist`, or a path to an `.npz` file.
///
/// - `mnist`: the four IDX files (`train-images-idx3-ubyte.gz`, …) in
///   `<data>/mnist`, where `<data>` is the data directory (`data/` of the
///   repository by default).
/// - `fashion-mnist`: the same file names in `<data>/fashion-mnist`, else
///   `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`).
/// - `FILE.npz`: arrays `x`, `y` and optionally `x_test`, `y_test`; without
///   a test set, a seeded ``Dataset/split(testFraction:seed:)`` holds one out.
public enum DatasetCatalog {
    /// Where `fashion-mnist` is looked for after the data directory.
    public static let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// The training and test sets named by `name`.
    ///
    /// - Parameters:
    ///   - dataDirectory: the directory holding `mnist/` (and optionally `fashion-mnist/`).
    ///   - classCount: labels must be below it (the model's output count).
    ///   - testFraction, splitSeed: the held-out split of an `.npz` without `x_test`.
    /// - Throws: ``TrainingError`` for an unknown name or missing files;
    ///   ``CheckpointIO/CheckpointError`` for malformed ones.
    public static func load(_ name: String, dataDirectory: String, classCount: Int,
                            testFraction: Double = 0.1, splitSeed: UInt64 = 0) throws -> (train: Dataset, test: Dataset) {
        switch name {
        case "mnist", "fashion-mnist":
            var dirs = [(dataDirectory as NSString).appendingPathComponent(name)]
            if name == "fashion-mnist" { dirs.append(debianFashionMNIST) }
            guard let dir = dirs.first(where: { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("train-images-idx3-ubyte.gz")) }) else {
                let hint = name == "fashion-mnist" ? " (install Debian's dataset-fashion-mnist, or run make demo)" : " (set --data-dir to the repository's data/ folder)"
                throw TrainingError.invalidOption("dataset", "\(name): no train-images-idx3-ubyte.gz in \(dirs.joined(separator: " or "))\(hint)")
            }
            func path(_ f: String) -> String { (dir as NSString).appendingPathComponent(f) }
            let train = try DatasetLoader.idx(images: path("train-images-idx3-ubyte.gz"), labels: path("train-labels-idx1-ubyte.gz"),
                                              name: "\(name)-train", classCount: classCount)
            let test = try DatasetLoader.idx(images: path("t10k-images-idx3-ubyte.gz"), labels: path("t10k-labels-idx1-ubyte.gz"),
                                             name: "\(name)-test", classCount: classCount)
            return (train, test)
        default:
            guard name.hasSuffix(".npz") else {
                throw TrainingError.invalidOption("dataset", "'\(name)' is not mnist, fashion-mnist or a path to an .npz file")
            }
            let (train, test) = try DatasetLoader.npz(path: name, classCount: classCount)
            if let test { return (train, test) }
            return try train.split(testFraction: testFraction, seed: splitSeed)
        }
    }
}
