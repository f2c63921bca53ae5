import Foundation
import LinearAlgebra
import Synchronization

/// LoRA factors parked on disk as they are produced, for an adapter too large
/// to hold in memory until it is written (rank 64 over a 7B model is 0.66 GB
/// of F32 factors, 1.3 GB while still Float64).
///
/// Each ``add(module:kind:b:a:kernel:)`` rounds the factors once to ``dtype``
/// and appends their bytes to a hidden scratch file in the adapter's folder
/// (`.adapter_model.spool-<pid>-<n>`), so only one module's factors are in memory
/// at a time. Modules may be added from several threads, in any order; a
/// ``LoRAAdapterWriter`` then lays them out in the order it is given them with
/// ``LoRAAdapterWriter/add(spooledModule:from:)`` and copies their bytes in
/// pieces when it writes, so the adapter's bytes do not depend on the order of
/// the adds. The scratch file is removed when the spool is deallocated, and
/// by an interrupt (it is registered with ``TemporaryFiles``).
public final class LoRAAdapterSpool: Sendable {
    /// The factors' dtype (F32, BF16, F16 or F64).
    public let dtype: DType
    let file: SpoolFile
    private let modules = Mutex<[String: [(key: String, shape: [Int], offset: Int, count: Int)]]>([:])

    /// An empty spool whose scratch file lives in `folder` (which must exist).
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the scratch file when it cannot be created.
    public init(folder: String, dtype: DType = .f32) throws(CheckpointError) {
        precondition([.f32, .bf16, .f16, .f64].contains(dtype), "LoRAAdapterSpool: dtype \(dtype.rawValue) is not F32/BF16/F16/F64")
        self.dtype = dtype
        file = try SpoolFile(directory: folder, stem: "adapter_model")
    }

    /// Rounds and parks the factors of the module at `path` (arguments as
    /// ``LoRAAdapterWriter/add(module:kind:b:a:kernel:)``). Thread-safe.
    ///
    /// - Throws: ``CheckpointError/Code/unreadable`` naming the scratch file and
    ///   the tensor when the disk is full or the write fails.
    /// - Precondition: the path is new; `b.cols == a.rows`.
    public func add(module path: String, kind: LoRAModule.Kind, b: Matrix<Double>, a: Matrix<Double>,
                    kernel: [Int] = []) throws(CheckpointError) {
        var parked: [(key: String, shape: [Int], offset: Int, count: Int)] = []
        for t in LoRAAdapterWriter.tensors(module: path, kind: kind, b: b, a: a, kernel: kernel) {
            let bytes = SafetensorsWriter.encode(t.values, as: dtype)
            parked.append((t.key, t.shape, try file.append(bytes, name: t.key), bytes.count))
        }
        modules.withLock { m in
            precondition(m[path] == nil, "LoRAAdapterSpool: module '\(path)' added twice")
            m[path] = parked
        }
    }

    /// The module paths parked so far, sorted.
    public var modulePaths: [String] { modules.withLock { $0.keys.sorted() } }

    /// The parked tensors of `path` (empty when it was not added).
    func tensors(of path: String) -> [(key: String, shape: [Int], offset: Int, count: Int)] {
        modules.withLock { $0[path] ?? [] }
    }
}
