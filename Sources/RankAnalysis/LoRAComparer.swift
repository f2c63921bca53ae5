import CheckpointIO
import Dispatch
import LinearAlgebra
import Projections

/// The LoRA paper's §7 analyses (Hu et al. 2021) of an adapter's updates
/// ΔW_lora = s·B·A against a full fine-tune's ΔW_full = W_tuned − W_base, and
/// between two adapters (see ``LoRAModuleComparison`` and ``SubspaceSimilarity``).
///
/// ΔW_lora's SVD is taken from its factors without forming a dense product:
/// B = Q_B·R_B and Aᵀ = Q_A·R_A (QR), then the SVD of the small core
/// s·R_B·R_Aᵀ = U_c·Σ·V_cᵀ gives U = Q_B·U_c and V = Q_A·V_c. ΔW_full's is the
/// exact thin SVD (`dgesdd`). Everything is Float64.
///
/// φ's directions of an adapter are ΔW_lora's singular vectors by default, or
/// the right singular vectors of A alone as in the paper's eq. 4
/// (``Options/phiBasis``, ``PhiBasis``).
public enum LoRAComparer {
    /// What to compare.
    public struct Options: Sendable {
        /// Directions of ΔW_full in φ: j ≤ min(this, numerical rank of ΔW_full). Default 64.
        public var maxFullDirections = 64
        /// The seed of the random baseline's streams (``Projections/StreamKind/similarityBaseline``).
        public var seed: UInt64 = 0
        /// Modules compared at once (see ``RankAnalysisOptions/jobs``).
        public var jobs = 1
        /// Compute only the top K singular triplets of ΔW_full (`--top-k`; raised to the
        /// adapter's rank r so that the best rank-r error stays known), or `nil` (default) for all.
        public var topK: Int? = nil
        /// How the top K are computed when ``topK`` is set (default ``SpectrumMethod/exact``).
        public var method: SpectrumMethod = .exact
        /// The randomized SVD's parameters.
        public var sketch = SketchOptions()
        /// The adapters' directions in φ (`--phi-basis`): ``PhiBasis/delta`` (default), the
        /// left and right singular vectors of s·B·A; or ``PhiBasis/a``, the right singular
        /// vectors of each adapter's A (r × in) alone, the paper's eq. 4, giving `right`
        /// grids only (`lora_full`: A against ΔW_full's right singular vectors; `lora_lora2`:
        /// A₁ against A₂, with I, J = the numerical ranks of A₁, A₂; `random` of those sizes).
        public var phiBasis: PhiBasis = .delta
        /// The defaults: 64 directions of ΔW_full, seed 0, one module at a time, φ on ΔW's singular vectors.
        public init() {}
    }

    /// Compares every module of `adapter`: with the same tensor of `tuned` when
    /// given, and with the module of `second` that adapts the same base tensor
    /// (modules only in one adapter get no adapter-pair rows).
    ///
    /// The tuned tensor of a module's base tensor is found by `names`
    /// (``TensorNameAlignment``), as `rank` pairs them: `nil` (the default)
    /// decides it from the adapted base tensors' names against `tuned`'s, so a
    /// PEFT adapter of a `BertForSequenceClassification` bound to its `BertModel`
    /// base (`encoder.layer.0.attention.self.query.weight`) meets the run
    /// folder's `bert.encoder.layer.0.attention.self.query.weight`.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` (unreadable values, NaN/Inf,
    ///   a tuned checkpoint without the tensor or with another shape),
    ///   ``RankAnalysisError/Code/decompositionFailed``.
    public static func run(
        adapter: [BoundLoRAModule], tuned: Checkpoint?, second: [BoundLoRAModule]? = nil,
        names: TensorNameAlignment? = nil, options: Options = .init(),
        progress: (@Sendable (RankAnalysisProgress) -> Void)? = nil
    ) throws -> [LoRAModuleComparison] {
        let modules = adapter.sorted { $0.tensor < $1.tensor }
        var tunedTensors: [TensorDescriptor?] = []
        let alignment = tuned.map { t in names ?? Self.names(adapter: adapter, tuned: t) }
        for m in modules {
            guard let tuned, let alignment else { tunedTensors.append(nil); continue }
            guard let t = alignment.tunedTensor(forBase: m.tensor, in: tuned) else {
                let also = alignment.prefixedSide == .tuned ? " (nor '\(alignment.reportedName(forBase: m.tensor))')" : ""
                throw CheckpointError(.missingTensor, path: tuned.path, tensor: m.tensor,
                                      "the adapter's module '\(m.module.path)' adapts it, but the tuned checkpoint lacks it\(also)")
            }
            guard t.shape == m.base.shape else {
                throw CheckpointError(.invalidAdapter, path: tuned.path, tensor: m.tensor,
                                      "shape \(t.shape) in tuned but \(m.base.shape) in base")
            }
            tunedTensors.append(t)
        }
        try options.sketch.validate()
        if let k = options.topK, k < 1 { throw RankAnalysisError(.invalidOption, "--top-k must be at least 1, got \(k)") }
        if options.method == .randomized && options.topK == nil {
            throw RankAnalysisError(.invalidOption, "--method randomized needs --top-k K (the number of singular values to compute)")
        }
        let tunedFor = tunedTensors
        let partners = Dictionary((second ?? []).map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        let costs = modules.map { Double($0.module.outFeatures) * Double($0.module.inFeatures) * Double(min($0.module.outFeatures, $0.module.inFeatures)) }
        return try TensorJobs.run(costs: costs, jobs: options.jobs, names: modules.map(\.tensor), progress: progress) { i in
            try compare(modules[i], tuned: tunedFor[i], second: partners[modules[i].tensor], index: i, options: options)
        }
    }

    /// How `run` finds the tuned tensor of each module when not told
    /// (``TensorNameAlignment/init(base:tuned:)`` of the adapted base tensors' names
    /// and `tuned`'s names).
    public static func names(adapter: [BoundLoRAModule], tuned: Checkpoint) -> TensorNameAlignment {
        TensorNameAlignment(base: adapter.map(\.tensor), tuned: tuned.tensors.map(\.name))
    }

    static func compare(_ bound: BoundLoRAModule, tuned: TensorDescriptor?, second: BoundLoRAModule?, index: Int,
                        options: Options) throws -> LoRAModuleComparison {
        let m = bound.module
        let fail = { (e: any Error) in
            RankAnalysisError(.decompositionFailed, tensor: bound.tensor, paths: [m.a.path], "\(e)")
        }
        let lora: SingularValueDecomposition<Double>
        do { lora = try factorSVD(m) } catch let e as CheckpointError { throw e } catch { throw fail(error) }
        let rL = numericalRank(lora.singularValues, rows: m.outFeatures, cols: m.inFeatures)
        let loraMetrics = metrics(lora.singularValues, rows: m.outFeatures, cols: m.inFeatures)
        let w0 = try bound.outInMatrix(bound.base)
        var similarities: [SubspaceSimilarity] = []
        let uL = leadingColumns(lora.u, rL), vL = leadingColumns(lora.vt.transposed(), rL)
        // --phi-basis a: the adapter's directions in φ are A's right singular vectors (in × rank A).
        var vA: Matrix<Double>? = nil
        if options.phiBasis == .a {
            do { vA = try rightSingularVectorsOfA(m) } catch let e as CheckpointError { throw e } catch { throw fail(error) }
        }
        let amplificationLoRA = rL == 0 ? Double.nan
            : try amplification(norm: loraMetrics.frobeniusNorm, u: leadingColumns(lora.u, min(m.rank, rL)),
                                vt: leadingRows(lora.vt, min(m.rank, rL)), base: w0)

        var fullMethod: SpectrumMethod? = nil
        var fullTotal: Double? = nil
        var full: (svd: SingularValueDecomposition<Double>, metrics: RankMetrics, captured: Double, optimal: Double,
                   relError: Double, amplification: Double)? = nil
        if let tuned {
            var delta = try bound.outInMatrix(tuned)
            for k in 0..<delta.storage.count { delta.storage[k] -= w0.storage[k] }
            let svd: SingularValueDecomposition<Double>
            let fm: RankMetrics
            let k = options.topK.map { max($0, m.rank) }
            let method = k.map {
                options.method.resolved(topK: $0, rows: delta.rows, cols: delta.cols, oversampling: options.sketch.oversampling)
            } ?? .exact
            if method == .randomized, let k {
                let total = delta.storage.reduce(0) { $0 + $1 * $1 }
                do {
                    svd = try RandomizedSpectrum.decompose(delta, tensor: bound.tensor, topK: k, options: options.sketch, threads: 1)
                } catch { throw fail(error) }
                fm = RankMetrics(leadingSingularValues: svd.singularValues, frobeniusNormSquared: total, rows: delta.rows,
                                 cols: delta.cols, epsilon: .ulpOfOne, noiseThreshold: 0, baseFrobeniusNorm: 0)
                fullTotal = total
            } else {
                do { svd = try SVD.decompose(delta) } catch { throw fail(error) }
                fm = metrics(svd.singularValues, rows: delta.rows, cols: delta.cols)
            }
            fullMethod = method
            let total = fm.frobeniusNorm * fm.frobeniusNorm
            if total > 0 {
                let projected = try GEMM.multiply(uL, delta, transposeA: true)
                let captured = projected.storage.reduce(0) { $0 + $1 * $1 } / total
                // With a top K, the values beyond r are partly unknown: the tail is ‖ΔW‖²_F − Σ_{i≤r} σ̂ᵢ².
                let tail = fullTotal.map { t in max(0, t - svd.singularValues.prefix(m.rank).reduce(0) { $0 + $1 * $1 }) }
                    ?? svd.singularValues.dropFirst(m.rank).reduce(0) { $0 + $1 * $1 }
                // ΔW_full − s·B·A in place (ΔW_full is not needed after this), without a dense copy of s·B·A.
                let (fb, fa) = try m.factors()
                fb.storage.withUnsafeBufferPointer { pb in
                    fa.storage.withUnsafeBufferPointer { pa in
                        delta.storage.withUnsafeMutableBufferPointer { pd in
                            GEMM.multiply(m: fb.rows, n: fa.cols, k: fb.cols, alpha: -m.scaling, pb.baseAddress!, lda: fb.cols,
                                          pa.baseAddress!, ldb: fa.cols, beta: 1, into: pd.baseAddress!, ldc: delta.cols)
                        }
                    }
                }
                let diff = delta.storage.reduce(0) { $0 + $1 * $1 }
                let kFull = min(m.rank, svd.singularValues.count)
                let amp = try amplification(norm: fm.frobeniusNorm, u: leadingColumns(svd.u, kFull),
                                            vt: leadingRows(svd.vt, kFull), base: w0)
                full = (svd, fm, captured, (tail / total).squareRoot(), (diff / total).squareRoot(), amp)
                let j = min(options.maxFullDirections, numericalRank(svd.singularValues, rows: delta.rows, cols: delta.cols))
                if let vA {
                    if vA.cols > 0 && j > 0 {
                        similarities.append(try SubspaceSimilarity(comparison: "lora_full", side: "right", basis: .a, u: vA,
                                                                    v: leadingColumns(svd.vt.transposed(), j)))
                    }
                } else if rL > 0 && j > 0 {
                    similarities.append(try SubspaceSimilarity(comparison: "lora_full", side: "left", u: uL, v: leadingColumns(svd.u, j)))
                    similarities.append(try SubspaceSimilarity(comparison: "lora_full", side: "right", u: vL,
                                                                v: leadingColumns(svd.vt.transposed(), j)))
                }
            }
        }
        var secondSigma: [Double]? = nil
        if let second {
            let other: SingularValueDecomposition<Double>
            do { other = try factorSVD(second.module) } catch let e as CheckpointError { throw e } catch { throw fail(error) }
            secondSigma = other.singularValues
            let r2 = numericalRank(other.singularValues, rows: m.outFeatures, cols: m.inFeatures)
            if let vA {
                let vA2: Matrix<Double>
                do { vA2 = try rightSingularVectorsOfA(second.module) } catch let e as CheckpointError { throw e } catch { throw fail(error) }
                if vA.cols > 0 && vA2.cols > 0 {
                    similarities.append(try SubspaceSimilarity(comparison: "lora_lora2", side: "right", basis: .a, u: vA, v: vA2))
                    // The same streams as the delta basis's right side (index 1 and 3).
                    let a = try randomBasis(m.inFeatures, vA.cols, seed: options.seed, group: index, index: 1)
                    let b = try randomBasis(m.inFeatures, vA2.cols, seed: options.seed, group: index, index: 3)
                    similarities.append(try SubspaceSimilarity(comparison: "random", side: "right", basis: .a, u: a, v: b))
                }
            } else if rL > 0 && r2 > 0 {
                similarities.append(try SubspaceSimilarity(comparison: "lora_lora2", side: "left", u: uL, v: leadingColumns(other.u, r2)))
                similarities.append(try SubspaceSimilarity(comparison: "lora_lora2", side: "right", u: vL,
                                                            v: leadingColumns(other.vt.transposed(), r2)))
                for (k, (side, d)) in [("left", m.outFeatures), ("right", m.inFeatures)].enumerated() {
                    let a = try randomBasis(d, rL, seed: options.seed, group: index, index: k)
                    let b = try randomBasis(d, r2, seed: options.seed, group: index, index: k + 2)
                    similarities.append(try SubspaceSimilarity(comparison: "random", side: side, u: a, v: b))
                }
            }
        }
        var comparison = LoRAModuleComparison(
            tensor: bound.tensor, module: m.path, kind: m.kind.rawValue, rows: m.outFeatures, cols: m.inFeatures,
            loraRank: m.rank, loraScaling: m.scaling, loraNumericalRank: rL,
            loraSingularValues: lora.singularValues, fullSingularValues: full?.svd.singularValues,
            loraFrobeniusNorm: loraMetrics.frobeniusNorm, fullFrobeniusNorm: full?.metrics.frobeniusNorm,
            loraEnergyRank90: loraMetrics.energyRank90, loraStableRank: loraMetrics.stableRank,
            fullEnergyRank90: full.flatMap { $0.metrics.beyondK.contains(.energyRank90) ? nil : $0.metrics.energyRank90 }, fullStableRank: full?.metrics.stableRank,
            capturedEnergy: full?.captured, optimalRankRError: full?.optimal, loraRelativeError: full?.relError,
            amplificationFull: full?.amplification, amplificationLoRA: amplificationLoRA, similarities: similarities)
        comparison.secondSingularValues = secondSigma
        comparison.fullMethod = fullMethod
        comparison.fullTopK = fullMethod == nil ? nil : options.topK.map { max($0, m.rank) }
        comparison.fullFrobeniusNormSquared = fullTotal
        comparison.fullBeyondK = full?.metrics.beyondK.filter { $0 == .energyRank90 || $0 == .numericalRank } ?? []
        return comparison
    }

    /// The thin SVD of s·B·A from the factors (see the type's documentation).
    static func factorSVD(_ m: LoRAModule) throws -> SingularValueDecomposition<Double> {
        let (b, a) = try m.factors()
        let (qb, rb) = try QR.decompose(b)               // out × k₁, k₁ × r
        let (qa, ra) = try QR.decompose(a.transposed())  // in × k₂, k₂ × r
        let core = try GEMM.multiply(rb, ra, transposeB: true, alpha: m.scaling)  // k₁ × k₂
        let c = try SVD.decompose(core)
        return SingularValueDecomposition(u: try GEMM.multiply(qb, c.u), singularValues: c.singularValues,
                                          vt: try GEMM.multiply(c.vt, qa, transposeB: true))
    }

    /// The paper's U_A (Hu et al. 2021, eq. 4): the right singular vectors of the module's
    /// unscaled A (r × in; ``CheckpointIO/LoRAModule/factors()``), as the columns of an
    /// in × k matrix, k = A's numerical rank (σ > σ₁·max(r, in)·2⁻⁵²), in descending σ.
    static func rightSingularVectorsOfA(_ m: LoRAModule) throws -> Matrix<Double> {
        let a = try m.factors().a
        let svd = try SVD.decompose(a)
        return leadingColumns(svd.vt.transposed(), numericalRank(svd.singularValues, rows: a.rows, cols: a.cols))
    }

    /// #{σ > σ₁·max(rows, cols)·2⁻⁵²}.
    static func numericalRank(_ σ: [Double], rows: Int, cols: Int) -> Int {
        guard let s1 = σ.first, s1 > 0 else { return 0 }
        let cutoff = s1 * Double(max(rows, cols)) * Double.ulpOfOne
        return σ.filter { $0 > cutoff }.count
    }

    static func metrics(_ σ: [Double], rows: Int, cols: Int) -> RankMetrics {
        RankMetrics(singularValues: σ, rows: rows, cols: cols, epsilon: .ulpOfOne, noiseThreshold: 0, baseFrobeniusNorm: 0)
    }

    /// ‖ΔW‖_F / ‖U_rᵀ W V_r‖_F with U_r = `u` (out × r) and V_rᵀ = `vt` (r × in).
    static func amplification(norm: Double, u: Matrix<Double>, vt: Matrix<Double>, base: Matrix<Double>) throws -> Double {
        let wv = try GEMM.multiply(base, vt, transposeB: true)  // out × r
        let core = try GEMM.multiply(u, wv, transposeA: true)   // r × r
        return norm / core.frobeniusNorm
    }

    /// An orthonormal basis of a uniformly random r-dimensional subspace of ℝᵈ:
    /// QR of a d × r standard normal matrix from the similarity-baseline stream.
    static func randomBasis(_ d: Int, _ r: Int, seed: UInt64, group: Int, index: Int) throws -> Matrix<Double> {
        var g = Matrix<Double>(rows: d, cols: r)
        let stream = RandomStream(seed: seed, kind: .similarityBaseline, group: group, index: index)
        g.storage.withUnsafeMutableBufferPointer { stream.fillNormals(from: 0, into: $0) }
        return try QR.decompose(g).q
    }

    static func leadingColumns(_ m: Matrix<Double>, _ k: Int) -> Matrix<Double> {
        let k = min(k, m.cols)
        var out = Matrix<Double>(rows: m.rows, cols: k)
        for i in 0..<m.rows { for j in 0..<k { out.storage[i * k + j] = m.storage[i * m.cols + j] } }
        return out
    }

    static func leadingRows(_ m: Matrix<Double>, _ k: Int) -> Matrix<Double> {
        let k = min(k, m.rows)
        return Matrix(rows: k, cols: m.cols, storage: Array(m.storage[0..<(k * m.cols)]))
    }
}
