import CheckpointIO
import Foundation
import RankAnalysis

/// The output folder of `extract-lora`: a PEFT LoRA adapter and its tables.
///
/// - `adapter_model.safetensors`, `adapter_config.json`: the adapter
///   (``CheckpointIO/LoRAAdapterWriter``), α = r per module so that s = 1; `r`
///   is the most common rank and `rank_pattern`/`alpha_pattern` name every
///   module whose rank differs, by its regex-escaped path. A new head
///   (``RankAnalysis/LoRAExtractionResult/newHead``, e.g. the `classifier` of a
///   `BertForSequenceClassification` run against its `BertModel` base) is saved
///   whole under `base_model.model.<name>` with its modules in `modules_to_save`,
///   and `task_type` is the tuned model's (``taskType``, e.g. `SEQ_CLS`).
/// - `extraction.csv`: `tensor,rank,retained_energy,rel_error,module,layer_kind,rows,cols`,
///   one row per extracted tensor (``extractionColumns``).
/// - `extraction.json`: the rows, the tensors not extracted with reasons, the
///   new head's tensors saved whole (`modules_to_save_tensors`, when there are
///   any), and the ``RunProvenance``.
///
/// The adapter is written first and `extraction.csv` last, each file atomically.
/// The adapter's factors come from the result's modules, or, for a model too
/// large to hold them, from a ``CheckpointIO/LoRAAdapterSpool`` the extraction
/// filled as it went; the bytes written are the same either way.
public struct LoRAExtractionReport: Sendable {
    /// The columns of `extraction.csv`.
    public static let extractionColumns = ["tensor", "rank", "retained_energy", "rel_error", "module", "layer_kind", "rows", "cols", "method"]

    /// The extracted modules (factors, ranks, errors) and the tensors left out.
    public let result: LoRAExtractionResult
    /// Where the extraction came from, embedded in `extraction.json`.
    public let provenance: RunProvenance
    /// The factors' dtype in the adapter.
    public let dtype: DType
    /// Recorded as `base_model_name_or_path`.
    public let baseModel: String?
    /// PEFT's `task_type` (``CheckpointIO/ModelFolderConfig/peftTaskType`` of the tuned
    /// model), written only when the adapter carries a new head; `nil`: `null`.
    public let taskType: String?
    /// Where the factors are when `result` does not hold them (an extraction
    /// run with ``RankAnalysis/LoRAExtractor/run(_:options:progress:consume:)``).
    public let spool: LoRAAdapterSpool?

    /// A report of `result`; nothing is written until ``write(to:)``.
    ///
    /// - Parameters:
    ///   - result: the extraction (``RankAnalysis/LoRAExtractor``).
    ///   - provenance: embedded in `extraction.json`.
    ///   - dtype: the factors' dtype in `adapter_model.safetensors` (F32, BF16, F16 or F64).
    ///   - baseModel: recorded as `base_model_name_or_path` (`nil`: `null`).
    ///   - taskType: PEFT's `task_type` when `result` has a new head (see ``taskType``).
    ///   - spool: the factors of every row of `result`, when `result.modules` is empty
    ///     (its dtype is then the adapter's; `dtype` must match it).
    /// - Precondition: `result.modules` holds every row's factors, or `spool` is given with `spool.dtype == dtype`.
    public init(result: LoRAExtractionResult, provenance: RunProvenance, dtype: DType, baseModel: String?,
                taskType: String? = nil, spool: LoRAAdapterSpool? = nil) {
        precondition(spool.map { $0.dtype == dtype } ?? (result.modules.count == result.rows.count),
                     "LoRAExtractionReport: factors missing, or the spool's dtype is not \(dtype.rawValue)")
        self.result = result
        self.provenance = provenance
        self.dtype = dtype
        self.baseModel = baseModel
        self.taskType = taskType
        self.spool = spool
    }

    /// The adapter config: r = the most common rank (ties: the smallest), α = r;
    /// with a new head, its modules as `modules_to_save` and ``taskType``.
    public var config: LoRAAdapterConfig {
        var c = LoRAAdapterConfig.patterned(result.rows.map { .init(path: $0.module, rank: $0.rank, alpha: Double($0.rank)) })
        c.fanInFanOut = result.rows.contains { $0.kind == .conv1D }
        c.baseModelNameOrPath = baseModel
        if !result.newHead.isEmpty {
            c.modulesToSave = result.newHeadModules
            c.taskType = taskType
        }
        return c
    }

    /// `text` with the characters Python's `re` treats specially escaped (``CheckpointIO/LoRAAdapterConfig/regexEscaped(_:)``).
    public static func regexEscaped(_ text: String) -> String { LoRAAdapterConfig.regexEscaped(text) }

    /// `extraction.csv`.
    public var extractionCSV: String {
        var t = CSVTable(columns: Self.extractionColumns)
        for m in result.rows {
            t.append([.text(m.tensor), .integer(m.rank), .real(m.retainedEnergy), .real(m.relativeError),
                      .text(m.module), .text(m.kind.rawValue), .integer(m.rows), .integer(m.cols),
                      .text(m.method.rawValue)])
        }
        return t.text
    }

    private struct Row: Encodable {
        let tensor: String, module: String, layerKind: String, rows: Int, cols: Int, rank: Int
        let retainedEnergy: Double, relError: Double
        enum CodingKeys: String, CodingKey {
            case tensor, module, rows, cols, rank
            case layerKind = "layer_kind", retainedEnergy = "retained_energy", relError = "rel_error"
        }
    }

    private struct Document: Encodable {
        let provenance: RunProvenance
        let dtype: String
        let modules: [Row]
        let notExtracted: [SkippedTensor]
        let savedWhole: [String]?
        enum CodingKeys: String, CodingKey {
            case provenance, dtype, modules
            case notExtracted = "not_extracted", savedWhole = "modules_to_save_tensors"
        }
    }

    /// `extraction.json`.
    public func json() throws -> String {
        try JSONReport.encode(Document(
            provenance: provenance, dtype: dtype.rawValue,
            modules: result.rows.map {
                Row(tensor: $0.tensor, module: $0.module, layerKind: $0.kind.rawValue, rows: $0.rows, cols: $0.cols,
                    rank: $0.rank, retainedEnergy: $0.retainedEnergy, relError: $0.relativeError)
            },
            notExtracted: result.notExtracted, savedWhole: result.newHead.isEmpty ? nil : result.newHead.map(\.name)))
    }

    /// Writes the adapter and the tables into `directory` (created if missing),
    /// together (``CheckpointIO/AtomicFile/writeTogether(_:)``): a failure or an
    /// interrupt leaves the old files or none, never a mix.
    public func write(to directory: String) throws {
        try ReportDirectory.create(directory)
        var writer = LoRAAdapterWriter(config: config, dtype: dtype)
        if let spool {
            for m in result.rows { writer.add(spooledModule: m.module, from: spool) }
        } else {
            for m in result.modules { writer.add(module: m.module, kind: m.kind, b: m.b, a: m.a, kernel: m.kernel) }
        }
        for t in result.newHead { writer.add(fullTensor: t.name, copying: t) }
        let json = try json()
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try AtomicFile.writeTogether { files in
            try writer.write(to: directory, into: &files)
            try files.write(text: json, to: path("extraction.json"))
            try files.write(text: extractionCSV, to: path("extraction.csv"))
        }
    }
}
