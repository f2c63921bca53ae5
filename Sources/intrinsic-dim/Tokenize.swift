import ArgumentParser
import IntrinsicDim

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize a text dataset with a BERT WordPiece tokenizer; write the ids as JSON Lines.",
        discussion: """
            Reads --tokenizer DIR/vocab.txt (and DIR/tokenizer_config.json if present) and the texts of \
            --dataset NAME (a bundled task in --data-dir, see scripts/fetch-text-datasets.sh; --split \
            chooses its file, or all: train then test) or of --file F (TSV with a header, CSV, JSONL or Orange .tab, by extension) \
            with --text-column and, for sentence pairs, --text-pair-column. Writes to --out one line per \
            document, {"input_ids":[…],"token_type_ids":[…]}: the ids BertTokenizerFast gives, [CLS] and \
            [SEP] included, truncated to --max-length tokens when given (pairs by the longest_first rule).
            """)

    enum Split: String, ExpressibleByArgument { case train, test, all }

    @Option(help: ArgumentHelp("A Hugging Face model folder with vocab.txt (and tokenizer_config.json).", valueName: "dir"))
    var tokenizer: String

    @Option(help: ArgumentHelp("A bundled text task: \(TextDatasetCatalog.entries.map(\.name).joined(separator: ", ")).", valueName: "name"))
    var dataset: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where the bundled tasks' files are.", valueName: "dir"))
    var dataDirectory = TextDatasetCatalog.defaultDirectory

    @Option(help: ArgumentHelp("Which file of --dataset to tokenize: train, test, or all (train then test).", valueName: "split"))
    var split: Split = .test

    @Option(help: ArgumentHelp("A text file (.tsv, .csv, .jsonl, .tab) instead of --dataset.", valueName: "path"))
    var file: String?

    @Option(name: .customLong("text-column"), help: ArgumentHelp("The text column of --file.", valueName: "name"))
    var textColumn: String?

    @Option(name: .customLong("text-pair-column"), help: ArgumentHelp("The second text column of --file (sentence pairs).", valueName: "name"))
    var textPairColumn: String?

    @Option(name: .customLong("max-length"), help: ArgumentHelp("Truncate every encoding to at most N tokens (default: no truncation).", valueName: "n"))
    var maxLength: Int?

    @Option(help: ArgumentHelp("The JSON Lines file to write.", valueName: "path"))
    var out: String

    func validate() throws {
        guard (dataset == nil) != (file == nil) else { throw ValidationError("give exactly one of --dataset and --file") }
        if file != nil && textColumn == nil { throw ValidationError("--file needs --text-column") }
        if dataset != nil && (textColumn != nil || textPairColumn != nil) {
            throw ValidationError("--text-column and --text-pair-column are for --file; a --dataset has its own columns")
        }
        if let maxLength, maxLength < 3 { throw ValidationError("--max-length must be at least 3 (room for [CLS], [SEP], [SEP]), got \(maxLength)") }
    }

    func run() throws {
        try reportingFailures("tokenize") {
            let bert = try BertTokenizer(directory: tokenizer)
            let examples: [TextExample]
            if let dataset {
                let entry = try TextDatasetCatalog.entry(named: dataset)
                let paths = split == .all ? [entry.trainPath(in: dataDirectory), entry.testPath(in: dataDirectory)]
                    : [split == .train ? entry.trainPath(in: dataDirectory) : entry.testPath(in: dataDirectory)]
                examples = try paths.flatMap { (path) throws(TextError) in try TextFileReader.read(path, columns: entry.columns, format: entry.format) }
            } else {
                examples = try TextFileReader.read(file!, columns: TextColumns(text: textColumn!, textPair: textPairColumn))
            }
            let encodings = examples.map { bert.encode($0.text, pair: $0.textPair, maxLength: maxLength) }
            try AtomicFile.write(TokenIDsJSONL.bytes(encodings), to: out)
            let tokens = encodings.reduce(0) { $0 + $1.count }
            Terminal.line("tokenize: \(encodings.count) documents, \(tokens) tokens → \(out)")
        }
    }
}
