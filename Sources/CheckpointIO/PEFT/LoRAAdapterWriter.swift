import Foundation
import LinearAlgebra

/// Writes a PEFT LoRA adapter folder that `PeftModel.from_pretrained` loads:
/// `adapter_model.safetensors` (metadata `{"format": "pt"}`) and then
/// `adapter_config.json` (``LoRAAdapterConfig/json``), each atomically, the
/// config last so that a folder with a config is complete.
///
/// Factors are given in the out × in convention of ``LoRAModule`` (B out × r,
/// A r × in, unscaled: the config's α and r give s) and written C-contiguous
/// under PEFT's keys: `base_model.model.<module>.lora_A.weight` /
/// `….lora_B.weight`, or `….lora_embedding_A` / `….lora_embedding_B` for an
/// embedding; a convolution's A is written r × in × kh × kw and its B
/// out × r × 1 × 1.
public struct LoRAAdapterWriter: Sendable {
    /// The config written beside the weights.
    public var config: LoRAAdapterConfig
    /// The factors' dtype (F32, BF16, F16 or F64), rounded to nearest even.
    public let dtype: DType
    private var weights = SafetensorsWriter(metadata: ["format": "pt"])

    /// An empty adapter with `config`, factors stored as `dtype`.
    public init(config: LoRAAdapterConfig, dtype: DType = .f32) {
        precondition([.f32, .bf16, .f16, .f64].contains(dtype), "LoRAAdapterWriter: dtype \(dtype.rawValue) is not F32/BF16/F16/F64")
        self.config = config
        self.dtype = dtype
    }

    /// Adds the factors of the module at `path`.
    ///
    /// - Parameters:
    ///   - b: out × r. - a: r × in (in·kh·kw for a convolution).
    ///   - kernel: for ``LoRAModule/Kind/convolution``, the stored base kernel's
    ///     trailing dimensions `[in, kh, kw]`; ignored otherwise.
    /// - Precondition: `b.cols == a.rows`; the path is new.
    public mutating func add(module path: String, kind: LoRAModule.Kind, b: Matrix<Double>, a: Matrix<Double>, kernel: [Int] = []) {
        for t in Self.tensors(module: path, kind: kind, b: b, a: a, kernel: kernel) {
            weights.add(t.key, shape: t.shape, values: t.values, as: dtype)
        }
    }

    /// Adds the factors of the module at `path` that `spool` holds (see
    /// ``LoRAAdapterSpool``), without reading them into memory: they are
    /// copied from the spool when the adapter is written.
    ///
    /// - Precondition: `spool` holds `path`, at this writer's dtype; the path is new.
    public mutating func add(spooledModule path: String, from spool: LoRAAdapterSpool) {
        precondition(spool.dtype == dtype, "LoRAAdapterWriter: spool holds \(spool.dtype.rawValue), writer wants \(dtype.rawValue)")
        let tensors = spool.tensors(of: path)
        precondition(!tensors.isEmpty, "LoRAAdapterWriter: the spool holds no module '\(path)'")
        for t in tensors {
            weights.add(t.key, dtype: dtype, shape: t.shape, spool: spool.file, offset: t.offset, count: t.count)
        }
    }

    /// Adds a tensor saved whole (PEFT's `modules_to_save`, e.g. a new classifier head: `path`
    /// `classifier.weight`), under PEFT's key `base_model.model.<path>`, C-contiguous.
    ///
    /// - Precondition: `values.count` is the product of `shape`; the path is new.
    public mutating func add(fullTensor path: String, shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "LoRAAdapterWriter: \(values.count) values for shape \(shape) of '\(path)'")
        weights.add(LoRAAdapter.keyPrefix + path, shape: shape, values: values, as: dtype)
    }

    /// The tensors of one module under PEFT's keys and shapes, in the order they are written.
    static func tensors(module path: String, kind: LoRAModule.Kind, b: Matrix<Double>, a: Matrix<Double>,
                        kernel: [Int]) -> [(key: String, shape: [Int], values: [Double])] {
        precondition(b.cols == a.rows, "LoRAAdapterWriter: B is \(b.rows)×\(b.cols) but A is \(a.rows)×\(a.cols) for '\(path)'")
        let key = LoRAAdapter.keyPrefix + path
        let r = a.rows
        switch kind {
        case .embedding:
            return [(key + ".lora_embedding_A", [r, a.cols], a.storage), (key + ".lora_embedding_B", [b.rows, r], b.storage)]
        case .convolution:
            precondition(kernel.reduce(1, *) == a.cols, "LoRAAdapterWriter: kernel \(kernel) does not fit A's \(a.cols) columns for '\(path)'")
            return [(key + ".lora_A.weight", [r] + kernel, a.storage),
                    (key + ".lora_B.weight", [b.rows, r] + Array(repeating: 1, count: kernel.count - 1), b.storage)]
        case .linear, .conv1D:
            return [(key + ".lora_A.weight", [r, a.cols], a.storage), (key + ".lora_B.weight", [b.rows, r], b.storage)]
        }
    }

    /// Writes the folder (created if missing).
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the path when the
    ///   folder cannot be created or a file cannot be written.
    public func write(to folder: String) throws(CheckpointError) {
        try createFolder(folder)
        let join = { (n: String) in (folder as NSString).appendingPathComponent(n) }
        try weights.write(to: join("adapter_model.safetensors"))
        try AtomicFile.write(text: config.json, to: join("adapter_config.json"))
    }

    /// Creates the folder and stages both files in `files`, to appear with the
    /// other files of an ``AtomicFile/writeTogether(_:)`` call.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the path.
    public func write(to folder: String, into files: inout AtomicFile.Staging) throws(CheckpointError) {
        try createFolder(folder)
        let join = { (n: String) in (folder as NSString).appendingPathComponent(n) }
        try weights.write(to: join("adapter_model.safetensors"), into: &files)
        try files.write(text: config.json, to: join("adapter_config.json"))
    }

    private func createFolder(_ folder: String) throws(CheckpointError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(.unreadable, path: folder, "cannot create the adapter folder (\(error.localizedDescription))")
        }
    }
}
