import Foundation
import IntrinsicDim

/// A hand-made text task for the encoder trainer on a tiny encoder: the committed tiny
/// configuration (Tests/Fixtures/encoder/tiny/config.json: BERT, 2 layers, hidden 32, 4 heads,
/// 3 labels) with weights drawn here as transformers' `_init_weights` does (linear and embedding
/// weights N(0, 0.02²) from `RandomStream(seed, initialization, group: tensor index)`, biases 0,
/// LayerNorm weights 1; the fixture's own weights, N(0, 1.5²/in), are too large to fine-tune), a
/// vocab.txt, and train.tsv / test.tsv whose label (neg, neu, pos) is given by one keyword
/// (bad, okay, good) among filler words — separable by construction, balanced, so the
/// majority-class floor is 1/3.
public enum TinyTextTask {
    /// The vocabulary: special tokens 0–4, keywords 5–7, fillers 8–17.
    public static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "bad", "okay", "good",
                                    "the", "a", "movie", "film", "plot", "actor", "story", "scene", "music", "end"]

    /// The text of example `i` with label `c` (0 neg, 1 neu, 2 pos).
    public static func text(_ i: Int, label c: Int) -> String {
        var words = (0..<4).map { vocabulary[8 + (i * 7 + $0 * 3) % 10] }
        words.insert(["bad", "okay", "good"][c], at: i % 5)
        return words.joined(separator: " ")
    }

    /// Writes the folder (`train` and `test` examples, weights from `seed`) into a new temporary directory and returns it.
    public static func make(train: Int = 60, test: Int = 30, seed: UInt64 = 0) throws -> String {
        let dir = try Fixtures.temporaryDirectory("tinytext")
        let model = BertClassifier(configuration: try BertConfiguration(contentsOf: Fixtures.path("encoder/tiny/config.json")))
        var theta = [Float](repeating: 0, count: model.layout.count)
        for (index, e) in model.layout.entries.enumerated() {
            if e.name.hasSuffix("LayerNorm.weight") {
                for k in e.range { theta[k] = 1 }
            } else if !e.name.hasSuffix(".bias") {
                let stream = RandomStream(seed: seed, kind: .initialization, group: index)
                for k in 0..<e.count { theta[e.offset + k] = Float(0.02 * stream.normal(k)) }
            }
        }
        try model.save(parameters: theta, to: dir)
        try (vocabulary.joined(separator: "\n") + "\n").write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        let names = ["neg", "neu", "pos"]
        func tsv(_ n: Int, offset: Int) -> String {
            "text\tlabel\n" + (0..<n).map { i in "\(text(i + offset, label: i % 3))\t\(names[i % 3])\n" }.joined()
        }
        try tsv(train, offset: 0).write(toFile: dir + "/train.tsv", atomically: true, encoding: .utf8)
        try tsv(test, offset: 1000).write(toFile: dir + "/test.tsv", atomically: true, encoding: .utf8)
        return dir
    }
}
