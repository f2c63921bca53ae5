import Models
import LinearAlgebra
import Projections

/// LoRA (Hu et al. 2021) as a map from the trainable factors to an offset of
/// θ_D: for each targeted weight W₀ (out × in, a convolution's kernel as
/// out × in·kh·kw), W = W₀ + s·B·A with A (r × in) and B (out × r), s = α/r
/// (α/√r with rsLoRA). Everything else in θ_D (untargeted layers, biases) stays
/// at θ_D⁰: PEFT's `bias: "none"` — except the tensors of the *saved modules*
/// (PEFT's `modules_to_save`, e.g. a new classifier head), which are trained in full.
///
/// θ_lora holds, target after target in the model's tensor order, A then B,
/// each row-major; then each saved tensor's offset from θ_D⁰ (its values, in the
/// layout's order, starting at 0), so d = Σ r·(in + out) + Σ saved sizes. B starts at zero, so training starts at exactly θ_D⁰; A is
/// drawn as PEFT draws it, from stream `(seed, loraInitialization, group: t)`:
/// - ``Initialization/kaiming``: PyTorch's `kaiming_uniform_(a = √5)`, i.e.
///   U(−1/√in, 1/√in) with in = the target's fan-in (element k from uniform k);
/// - ``Initialization/gaussian``: N(0, 1/r²) (PEFT's `init_lora_weights="gaussian"`, std 1/r).
///
/// The map is bilinear, so its pullback depends on the point: for a weight
/// gradient G (out × in), ∂A = s·Bᵀ·G and ∂B = s·G·Aᵀ. Its matrix products
/// run in fixed row blocks (``LinearAlgebra/GEMM``), so results do not depend
/// on the thread count.
public final class LoRAMap: SubspaceMap, @unchecked Sendable {
    /// How A is initialised.
    public enum Initialization: String, Sendable, Hashable, Codable, CaseIterable {
        /// `kaiming`: U(−1/√in, 1/√in), PyTorch's `kaiming_uniform_(a = √5)` and
        /// PEFT's default; `gaussian`: N(0, 1/r²), PEFT's `init_lora_weights="gaussian"`.
        case kaiming, gaussian
    }

    /// One adapted weight.
    public struct Target: Sendable, Hashable {
        /// The weight's name in the layout (`fc1.weight`).
        public let tensor: String
        /// The module name (`fc1`), as PEFT names it.
        public var module: String { String(tensor.dropLast(".weight".count)) }
        /// The weight's shape as stored.
        public let shape: [Int]
        /// Its first element in θ_D.
        public let offset: Int
        /// out and in (in·kh·kw for a convolution).
        public let rows: Int, cols: Int
        /// Where its A starts in θ_lora (B follows at `loraOffset + rank·cols`).
        public let loraOffset: Int
        /// This target's rank: the map's r, or min(out, in) where r exceeds it and the map caps ranks.
        public let rank: Int
    }

    /// A tensor trained in full (a saved module's weight or bias).
    public struct SavedTensor: Sendable, Hashable {
        /// The tensor's name in the layout (`classifier.weight`).
        public let tensor: String
        /// Its shape as stored.
        public let shape: [Int]
        /// Its first element in θ_D.
        public let offset: Int
        /// Its element count.
        public let count: Int
        /// Where its offset from θ_D⁰ starts in θ_lora.
        public let loraOffset: Int
        /// The θ_D range of the tensor.
        public var range: Range<Int> { offset..<(offset + count) }
        /// The θ_lora range of the tensor.
        public var loraRange: Range<Int> { loraOffset..<(loraOffset + count) }
    }

    /// The adapted weights, in the model's tensor order (θ_lora's order).
    public let targets: [Target]
    /// The tensors of ``savedModules``, trained in full, in the layout's order (after the factors in θ_lora).
    public let savedTensors: [SavedTensor]
    /// The modules trained in full (PEFT's `modules_to_save`), as given.
    public let savedModules: [String]
    /// r, as asked for (a capped target's own rank is ``Target/rank``).
    public let rank: Int
    /// α.
    public let alpha: Double
    /// Whether s = α/√r (rsLoRA) instead of α/r.
    public let useRSLoRA: Bool
    /// s, the same for every target (a capped target keeps it: see ``alpha(of:)``).
    public let scaling: Float
    public let fullDimension: Int
    public let subspaceDimension: Int
    public let initialPoint: [Double]
    private let threads: Int

    /// The module names of every weight (`fc1`, `conv1`, …) of `layout`: the default targets.
    public static func weightModules(of layout: ParameterLayout) -> [String] {
        layout.entries.filter { !$0.isBias && $0.name.hasSuffix(".weight") }.map { String($0.name.dropLast(".weight".count)) }
    }

    /// The weight modules of `layout` that PEFT's `target_modules` list `keys` selects:
    /// a module matches a key when its name equals the key or ends in `.` + key
    /// (`query` selects `bert.encoder.layer.0.attention.self.query`; `dense` every
    /// `….dense`), as `peft.tuners.tuners_utils.check_target_module_exists` does for a
    /// list; modules in `excluding` (the saved modules) never match. Layout order.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `--targets` for an empty
    ///   list or a key that selects no module (PEFT raises there too).
    public static func modules(matching keys: [String], in layout: ParameterLayout,
                               excluding: [String] = []) throws(TrainingError) -> [String] {
        guard !keys.isEmpty else { throw .invalidOption("targets", "names no module") }
        let all = weightModules(of: layout).filter { m in
            !excluding.contains { m == $0 || m.hasSuffix("." + $0) }
        }
        func selects(_ key: String, _ m: String) -> Bool { m == key || m.hasSuffix("." + key) }
        for key in keys where !all.contains(where: { selects(key, $0) }) {
            let leaves = Array(Set(all.map { $0.split(separator: ".").last.map(String.init) ?? $0 })).sorted()
            throw .invalidOption("targets", "'\(key)' selects no weight module of this model; its module names end in \(leaves.joined(separator: ", "))")
        }
        return all.filter { m in keys.contains { selects($0, m) } }
    }

    /// LoRA on the weights of the modules `modules` (e.g. `["fc1", "fc2"]`) of `layout`.
    ///
    /// With `capRank`, a target whose min(out, in) is below r gets rank
    /// min(out, in) instead (B·A can reach every out × in matrix at that rank
    /// already; PEFT's `rank_pattern`) and keeps the map's s (``alpha(of:)``).
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `--targets` for an
    ///   unknown or repeated module, `--rank` for r < 1 or (without `capRank`)
    ///   r > min(out, in) of a target, `--alpha` for α ≤ 0 or not finite.
    ///
    /// `savedModules` (exact module names, e.g. `["classifier"]`) are trained in full: every tensor
    /// named `<module>.…` (weight and bias). They may not also be targets.
    public init(layout: ParameterLayout, modules: [String], rank: Int, alpha: Double, useRSLoRA: Bool = false,
                initialization: Initialization = .kaiming, capRank: Bool = false, savedModules: [String] = [],
                seed: UInt64, threads: Int = 1) throws(TrainingError) {
        guard !modules.isEmpty else { throw .invalidOption("targets", "names no module") }
        guard Set(modules).count == modules.count else { throw .invalidOption("targets", "names a module twice: \(modules.joined(separator: ","))") }
        let known = Self.weightModules(of: layout)
        for m in modules where !known.contains(m) {
            throw .invalidOption("targets", "unknown module '\(m)'; this model's are \(known.joined(separator: ", "))")
        }
        guard rank >= 1 else { throw .invalidOption("rank", "must be at least 1, got \(rank)") }
        guard alpha.isFinite && alpha > 0 else { throw .invalidOption("alpha", "must be positive, got \(alpha)") }
        var targets: [Target] = []
        var next = 0
        for entry in layout.entries where !entry.isBias && modules.contains(String(entry.name.dropLast(".weight".count))) {
            let (rows, cols) = (entry.shape[0], entry.fanIn)
            guard rank <= min(rows, cols) || capRank else {
                throw .invalidOption("rank", "r = \(rank) exceeds min(out, in) = \(min(rows, cols)) of \(entry.name) (\(rows) × \(cols)); "
                                     + "leave it out of --targets or pass --cap-rank")
            }
            let r = min(rank, rows, cols)
            targets.append(Target(tensor: entry.name, shape: entry.shape, offset: entry.offset, rows: rows, cols: cols,
                                  loraOffset: next, rank: r))
            next += r * (rows + cols)
        }
        var saved: [SavedTensor] = []
        for m in savedModules {
            guard !modules.contains(m) else { throw .invalidOption("targets", "'\(m)' is trained in full (a saved module); it cannot also be a LoRA target") }
            let entries = layout.entries.filter { $0.name.hasPrefix(m + ".") }
            guard !entries.isEmpty else { throw .invalidOption("modules-to-save", "no tensor of this model is named '\(m).…'") }
            for e in entries {
                saved.append(SavedTensor(tensor: e.name, shape: e.shape, offset: e.offset, count: e.count, loraOffset: next))
                next += e.count
            }
        }
        var start = [Double](repeating: 0, count: next)
        for (t, target) in targets.enumerated() {
            let stream = RandomStream(seed: seed, kind: .loraInitialization, group: t)
            let n = target.rank * target.cols
            switch initialization {
            case .kaiming:
                let bound = 1 / Double(target.cols).squareRoot()
                for k in 0..<n { start[target.loraOffset + k] = (2 * stream.uniform(k) - 1) * bound }
            case .gaussian:
                start.withUnsafeMutableBufferPointer { p in
                    stream.fillNormals(from: 0, into: UnsafeMutableBufferPointer(rebasing: p[target.loraOffset..<(target.loraOffset + n)]))
                }
                for k in 0..<n { start[target.loraOffset + k] /= Double(target.rank) }
            }
        }
        self.targets = targets
        savedTensors = saved
        self.savedModules = savedModules
        self.rank = rank
        self.alpha = alpha
        self.useRSLoRA = useRSLoRA
        scaling = Float(useRSLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank))
        fullDimension = layout.count
        subspaceDimension = next
        initialPoint = start
        self.threads = max(1, threads)
    }

    /// Σ r·(in + out) over the targets plus the saved tensors' sizes: the trainable parameter count.
    public var trainableParameters: Int { subspaceDimension }

    /// The α PEFT needs for `target` to give it this map's s: α for an uncapped
    /// target; s·r_t (s·√r_t with rsLoRA) for a capped one (its `alpha_pattern`).
    public func alpha(of target: Target) -> Double {
        target.rank == rank ? alpha
            : useRSLoRA ? alpha / Double(rank).squareRoot() * Double(target.rank).squareRoot() : alpha / Double(rank) * Double(target.rank)
    }

    public func map(_ theta: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        precondition(theta.count == subspaceDimension && y.count == fullDimension, "LoRAMap: wrong sizes")
        y.update(repeating: 0)
        for t in targets {
            let r = t.rank
            let a = theta.baseAddress! + t.loraOffset, b = a + r * t.cols
            // W slot ← s·B·A (out × in).
            GEMM.multiply(m: t.rows, n: t.cols, k: r, alpha: scaling, b, lda: r, a, ldb: t.cols,
                          into: y.baseAddress! + t.offset, ldc: t.cols, threads: threads)
        }
        for t in savedTensors { (y.baseAddress! + t.offset).update(from: theta.baseAddress! + t.loraOffset, count: t.count) }
    }

    public func pullback(_ g: UnsafeBufferPointer<Float>, at theta: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(g.count == fullDimension && theta.count == subspaceDimension && out.count == subspaceDimension,
                     "LoRAMap: wrong sizes")
        for t in targets {
            let r = t.rank
            let a = theta.baseAddress! + t.loraOffset, b = a + r * t.cols
            let gw = g.baseAddress! + t.offset
            let da = out.baseAddress! + t.loraOffset, db = da + r * t.cols
            // ∂A = s·Bᵀ·G (r × in); ∂B = s·G·Aᵀ (out × r).
            GEMM.multiply(m: r, n: t.cols, k: t.rows, alpha: scaling, b, lda: r, transposeA: true, gw, ldb: t.cols,
                          into: da, ldc: t.cols, threads: threads)
            GEMM.multiply(m: t.rows, n: r, k: t.cols, alpha: scaling, gw, lda: t.cols, a, ldb: t.cols, transposeB: true,
                          into: db, ldc: r, threads: threads)
        }
        gatherSavedGradients(g.baseAddress!, into: out.baseAddress!)
    }

    /// θ_lora's gradient of the saved tensors ← their slots of the dense gradient `g` (D values).
    public func gatherSavedGradients(_ g: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        for t in savedTensors { (out + t.loraOffset).update(from: g + t.offset, count: t.count) }
    }

    /// θ_D's target slots ← θ_D⁰ + s·B·A (the other values of `parameters` are left as they are:
    /// in LoRA training they stay θ_D⁰). The same values as θ_D⁰ + ``map(_:into:)``, without the
    /// passes over all of D.
    public func merge(_ theta: UnsafePointer<Float>, base: UnsafePointer<Float>, into parameters: UnsafeMutablePointer<Float>) {
        for t in targets {
            let r = t.rank
            let count = t.rows * t.cols
            (parameters + t.offset).update(from: base + t.offset, count: count)
            let a = theta + t.loraOffset, b = a + r * t.cols
            GEMM.multiply(m: t.rows, n: t.cols, k: r, alpha: scaling, b, lda: r, a, ldb: t.cols,
                          beta: 1, into: parameters + t.offset, ldc: t.cols, threads: threads)
        }
        for t in savedTensors {
            for i in 0..<t.count { parameters[t.offset + i] = base[t.offset + i] + theta[t.loraOffset + i] }
        }
    }
}

/// The gradient of a ``LoRAMap``'s factors straight from each targeted layer's
/// inputs x (rows × in) and output gradient dy (rows × out), without the dense
/// ∂W = dyᵀ·x: ∂B = s·dyᵀ·(x·Aᵀ) and ∂A = s·(dy·B)ᵀ·x, the same as the map's
/// ``LoRAMap/pullback(_:at:into:)`` of ∂W up to rounding. Set on a
/// ``ModelWorkspace`` (or a ``Models/BertWorkspace``) it takes every weight but the
/// saved modules' (whose dense gradient the model writes, for
/// ``LoRAMap/gatherSavedGradients(_:into:)``): untargeted weights are frozen in
/// LoRA training and need no gradient. ``bind(theta:gradient:)`` before each
/// evaluation says where θ_lora is read and its gradient written.
public final class LoRAGradientConsumer: WeightGradientConsumer {
    /// The map whose factors' gradient this computes.
    public let map: LoRAMap
    private let targetIndex: [Int: Int]
    private let savedOffsets: Set<Int>
    private let threads: Int
    private var theta: UnsafePointer<Float>?
    private var gradient: UnsafeMutablePointer<Float>?
    private var scratch: [Float] = []

    /// A consumer for `map`, its matrix products on up to `threads` threads
    /// (results do not depend on it).
    public init(map: LoRAMap, threads: Int = 1) {
        self.map = map
        targetIndex = Dictionary(uniqueKeysWithValues: map.targets.enumerated().map { ($1.offset, $0) })
        savedOffsets = Set(map.savedTensors.map(\.offset))
        self.threads = max(1, threads)
    }

    /// Reads θ_lora at `theta` and writes its gradient at `gradient` (d values each) until the next call.
    public func bind(theta: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>) {
        self.theta = theta
        self.gradient = gradient
    }

    /// Every weight but the saved modules' (trained in full, so the model writes their dense gradient).
    public func consumes(weightAt offset: Int) -> Bool { !savedOffsets.contains(offset) }

    /// Every weight neither targeted nor saved.
    public func isFrozen(weightAt offset: Int) -> Bool { !savedOffsets.contains(offset) && targetIndex[offset] == nil }

    public func consume(weightAt offset: Int, inputs x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, rows: Int) {
        guard let i = targetIndex[offset], let theta, let gradient else { return }
        let t = map.targets[i], r = t.rank, s = map.scaling
        if scratch.count < 2 * rows * r { scratch = [Float](repeating: 0, count: 2 * rows * r) }
        let a = theta + t.loraOffset, b = a + r * t.cols
        let da = gradient + t.loraOffset, db = da + r * t.cols
        scratch.withUnsafeMutableBufferPointer { buffer in
            let xa = buffer.baseAddress!, dyb = xa + rows * r
            // x·Aᵀ (rows × r), then ∂B = s·dyᵀ·(x·Aᵀ) (out × r).
            GEMM.multiply(m: rows, n: r, k: t.cols, x, lda: t.cols, a, ldb: t.cols, transposeB: true, into: xa, ldc: r, threads: threads)
            GEMM.multiply(m: t.rows, n: r, k: rows, alpha: s, dy, lda: t.rows, transposeA: true, UnsafePointer(xa), ldb: r,
                          into: db, ldc: r, threads: threads)
            // dy·B (rows × r), then ∂A = s·(dy·B)ᵀ·x (r × in).
            GEMM.multiply(m: rows, n: r, k: t.rows, dy, lda: t.rows, b, ldb: r, into: dyb, ldc: r, threads: threads)
            GEMM.multiply(m: r, n: t.cols, k: rows, alpha: s, UnsafePointer(dyb), lda: r, transposeA: true, x, ldb: t.cols,
                          into: da, ldc: t.cols, threads: threads)
        }
    }
}
