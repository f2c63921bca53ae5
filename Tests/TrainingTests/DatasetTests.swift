import CheckpointIO
import Foundation
import Training
import XCTest
import _TestSupport

/// Dataset loading against numpy-written `.npz` files (Tests/Fixtures/training/datasets,
/// expectations from the same script) and the bundled MNIST IDX files.
final class DatasetTests: XCTestCase {
    let expected = (try? Fixtures.json("training/datasets/expected.json")) as? [String: [String: Any]] ?? [:]

    func testGoodArchivesMatchNumPy() throws {
        for name in ["good_u8.npz", "good_f32.npz", "good_u8_labels.npz", "mnist_subset.npz", "mnist_subset_permuted.npz"] {
            let want = try XCTUnwrap(expected[name], name)
            let classes = want["classes"] as! Int
            let data = try DatasetLoader.npz(path: Fixtures.path("training/datasets/" + name), classCount: classes).train
            XCTAssertEqual(data.count, want["count"] as? Int, name)
            XCTAssertEqual(data.features, want["features"] as? Int, name)
            XCTAssertEqual(data.classCount, classes, name)
            var histogram = [Int](repeating: 0, count: classes)
            for y in data.labels { histogram[Int(y)] += 1 }
            XCTAssertEqual(histogram, want["label_histogram"] as? [Int], name)
            // uint8 inputs are scaled by 1/255; float inputs are kept.
            let scale = name.contains("u8") || name.hasPrefix("mnist") ? 255.0 : 1.0
            let sum = data.inputs.reduce(0.0) { $0 + Double($1) } * scale
            assertClose(sum, want["x_sum"] as! Double, rtol: 1e-6, "\(name) Σx")
        }
    }

    func testMalformedArchivesNameTheFieldAndIndex() throws {
        let cases: [(String, CheckpointError.Code)] = [
            ("float_labels.npz", .unsupportedDType), ("label_out_of_range.npz", .labelOutOfRange),
            ("length_mismatch.npz", .sizeMismatch), ("missing_y.npz", .missingTensor),
            ("nan_pixels.npz", .nonFinite), ("negative_label.npz", .labelOutOfRange),
        ]
        for (name, code) in cases {
            let want = try XCTUnwrap(expected[name], name)
            do {
                _ = try DatasetLoader.npz(path: Fixtures.path("training/datasets/" + name), classCount: 10)
                XCTFail("\(name): accepted")
            } catch let e as CheckpointError {
                XCTAssertEqual(e.code, code, "\(name): \(e)")
                XCTAssertEqual(e.tensor, want["field"] as? String, "\(name): \(e)")
                XCTAssertTrue(e.description.hasPrefix(Fixtures.path("training/datasets/" + name)), "\(name): \(e)")
                if let index = want["index"] as? Int {
                    XCTAssertEqual(e.element?.first, index, "\(name): \(e)")
                }
                XCTAssertFalse(e.description.contains("\n"), "\(name): one line")
            }
        }
    }

    func testBundledMNISTAndSplit() throws {
        let (train, test) = try DatasetCatalog.load("mnist", dataDirectory: Fixtures.root + "/data", classCount: 10)
        XCTAssertEqual([train.count, test.count, train.features], [60000, 10000, 784])
        XCTAssertEqual(train.exampleShape, [28, 28])
        XCTAssertEqual(train.inputs.max(), 1)
        XCTAssertEqual(train.inputs.min(), 0)
        // The split is a function of its seed alone and partitions the examples.
        let small = train.prefix(100)
        let a = try small.split(testFraction: 0.25, seed: 3), b = try small.split(testFraction: 0.25, seed: 3)
        XCTAssertEqual(a.test.labels, b.test.labels)
        XCTAssertEqual([a.train.count, a.test.count], [75, 25])
        XCTAssertThrowsError(try small.split(testFraction: 1, seed: 0))
        let c = try small.split(testFraction: 0.25, seed: 4)
        XCTAssertNotEqual(a.test.inputs, c.test.inputs)
        XCTAssertEqual(Set((a.train.labels + a.test.labels).map { $0 }).count, Set(small.labels).count)
    }

    func testUnknownDatasetAndMissingFilesAreOneLineErrors() {
        XCTAssertThrowsError(try DatasetCatalog.load("cifar", dataDirectory: "/nonexistent", classCount: 10)) {
            XCTAssertEqual("\($0)", "--dataset: 'cifar' is not mnist, fashion-mnist or a path to an .npz file")
        }
        XCTAssertThrowsError(try DatasetCatalog.load("mnist", dataDirectory: "/nonexistent", classCount: 10)) {
            XCTAssertTrue("\($0)".contains("/nonexistent/mnist"), "\($0)")
        }
    }
}

/// Fashion-MNIST from Debian's dataset-fashion-mnist (installed by the make targets).
final class FashionMNISTTests: XCTestCase {
    func testDebianFashionMNISTLoads() throws {
        guard FileManager.default.fileExists(atPath: DatasetCatalog.debianFashionMNIST + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("dataset-fashion-mnist is not installed (make test installs it)")
        }
        let (train, test) = try DatasetCatalog.load("fashion-mnist", dataDirectory: "/nonexistent", classCount: 10)
        XCTAssertEqual([train.count, test.count, train.features, train.classCount], [60000, 10000, 784, 10])
        // Balanced classes: 6,000 training and 1,000 test images each (Xiao et al. 2017).
        var h = [Int](repeating: 0, count: 10)
        for y in test.labels { h[Int(y)] += 1 }
        XCTAssertEqual(h, [Int](repeating: 1000, count: 10))
    }
}
