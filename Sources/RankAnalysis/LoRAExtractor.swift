import CheckpointIO
import Dispatch
import LinearAlgebra

/// Extracts a LoRA adapter from a full fine-tune: the truncated SVD of every
/// update ΔW = tuned − base of a weight PEFT's LoRA can target (see
/// ``notTargetable(_:shape:)``), as mergekit's `extract_lora` and kohya's
/// `extract_lora_from_models.py` do.
///
/// Each ΔW is formed in Float64 and decomposed by ``LinearAlgebra/SVD/leading(_:rank:)``
/// (Gram matrix + `dsyevd`): the kept factors reproduce ΔW's orthogonal
/// projection onto its top-r singular subspace, so `B·A` is the best rank-r
/// approximation and ΔW itself at full rank. Layouts follow
/// ``CheckpointIO/LoRAModule``: embeddings (by name, ``LoRAExtractionOptions/embeddings``)
/// and `fan_in_fan_out` weights are stored transposed, convolution kernels are
/// out × (in·kh·kw).
///
/// **A new head.** When the tuned checkpoint is a model with a task head and
/// the base the bare encoder it started from (a `BertForSequenceClassification`
/// run folder against its `BertModel`, paired across the `bert.` prefix by
/// ``TensorNameAlignment``), modules are named as in the head model
/// (`bert.encoder.layer.0.attention.self.query`) and the head's tensors, which
/// have no base tensor, are returned whole in ``LoRAExtractionResult/newHead``
/// for the adapter's `modules_to_save`.
public enum LoRAExtractor {
    /// Extracts every matrix pair of `pairing`, keeping every module's factors in memory.
    ///
    /// `options.jobs` tensors are extracted at once, each with single-threaded
    /// BLAS/LAPACK calls (a lone randomized extraction splits its products into
    /// fixed row blocks over the threads instead), so the factors are
    /// bit-identical whatever `jobs` is.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` for unreadable or
    ///   non-finite values; ``RankAnalysisError/Code/decompositionFailed``;
    ///   ``RankAnalysisError/Code/invalidOption`` for a rank rule out of range.
    public static func run(
        _ pairing: TensorPairing, options: LoRAExtractionOptions,
        progress: (@Sendable (RankAnalysisProgress) -> Void)? = nil
    ) throws -> LoRAExtractionResult {
        try run(pairing, options: options, progress: progress, consume: nil)
    }

    /// Extracts every matrix pair of `pairing`, handing each module to
    /// `consume` as soon as it is extracted (on the worker thread that
    /// extracted it, in no fixed order; `consume` must be thread-safe, as
    /// ``CheckpointIO/LoRAAdapterSpool/add(module:kind:b:a:kernel:)`` is). The
    /// factors are then dropped, so memory holds at most `jobs` modules'
    /// factors at once, whatever the model's size; the result has the
    /// ``LoRAExtractionResult/rows`` and no ``LoRAExtractionResult/modules``.
    /// With `consume` `nil`, the same as ``run(_:options:progress:)``.
    ///
    /// - Throws: as ``run(_:options:progress:)``, and the first error `consume` throws
    ///   (tensors not yet started are then not started).
    public static func run(
        _ pairing: TensorPairing, options: LoRAExtractionOptions,
        progress: (@Sendable (RankAnalysisProgress) -> Void)? = nil,
        consume: (@Sendable (ExtractedLoRAModule) throws -> Void)?
    ) throws -> LoRAExtractionResult {
        switch options.rule {
        case let .fixed(r) where r < 1: throw RankAnalysisError(.invalidOption, "--rank must be at least 1, got \(r)")
        case let .energy(e) where !(e > 0 && e <= 1): throw RankAnalysisError(.invalidOption, "--energy must be in (0, 1], got \(e)")
        default: break
        }
        guard options.minRank >= 1, options.minRank <= (options.maxRank ?? .max) else {
            throw RankAnalysisError(.invalidOption, "--min-rank \(options.minRank) must be ≥ 1 and ≤ --max-rank \(options.maxRank.map(String.init) ?? "")")
        }
        try options.sketch.validate()
        if options.method == .randomized && options.topK == nil {
            throw RankAnalysisError(.invalidOption, "--method randomized with --energy needs --max-rank (the top K to compute)")
        }
        let start = DispatchTime.now()
        let targetable = pairing.matrices.map { notTargetable($0.name, shape: $0.shape) }
        let pairs = zip(pairing.matrices, targetable).compactMap { $1 == nil ? $0 : nil }
        let costs = pairs.map { Double($0.rows) * Double($0.cols) * Double(max(1, min($0.rows, $0.cols))) }
        let embeddings = try TensorFilter(include: [options.embeddings])
        let kinds = pairs.map { kind(of: $0.name, shape: $0.shape, embeddings: embeddings, fanInFanOut: options.fanInFanOut) }
        let threads = min(max(1, options.jobs), max(1, pairs.count)) == 1 ? max(1, options.jobs) : 1
        // Each job returns its module, or only its row when `consume` took the factors.
        // OpenBLAS is held at one thread whatever `jobs` is, so the factors are bit-identical for any `jobs`.
        let extracted: [(module: ExtractedLoRAModule?, row: LoRAExtractionRow)?] = try TensorJobs.run(
            costs: costs, jobs: options.jobs, names: pairs.map(\.name), helpers: false, singleThreadedBLAS: true,
            progress: progress
        ) { i, _, _ in
            guard let module = try extract(pairs[i], kind: kinds[i], options: options, threads: threads) else { return nil }
            guard let consume else { return (module, module.row) }
            try consume(module)
            return (nil, module.row)
        }
        var skipped = pairing.vectors.map { SkippedTensor(tensor: $0.name, reason: "not a matrix (\($0.shape.count)-D)") }
        skipped += zip(pairing.matrices, targetable).compactMap { p, why in why.map { SkippedTensor(tensor: p.name, reason: $0) } }
        skipped += zip(pairs, extracted).compactMap { $1 == nil ? SkippedTensor(tensor: $0.name, reason: "zero update") : nil }
        // A new head (the tuned side's tensors outside a head-model prefix, e.g. `classifier.*`) has no
        // base to take a difference from: it goes into the adapter whole (PEFT's modules_to_save).
        let newHead = pairing.names.prefixedSide == .tuned ? pairing.headOnly.filter { $0.dtype.isReadableReal } : []
        let saved = Set(newHead.map(\.name))
        skipped += pairing.skipped + pairing.unpaired.filter { !saved.contains($0.tensor) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return LoRAExtractionResult(modules: extracted.compactMap { $0?.module }.sorted { $0.tensor < $1.tensor },
                                    rows: extracted.compactMap { $0?.row }.sorted { $0.tensor < $1.tensor },
                                    notExtracted: skipped.sorted { $0.tensor < $1.tensor }, newHead: newHead,
                                    seconds: seconds)
    }

    /// Why PEFT's LoRA cannot target the ≥2-D tensor `name` of shape `shape`,
    /// or `nil` when it can.
    ///
    /// PEFT adapts the `weight` of `nn.Linear`, GPT-2's `Conv1D` and
    /// `nn.Embedding` (2-D) and of `nn.Conv2d` (4-D), and a PEFT adapter has
    /// module keys only for such layers. A checkpoint does not say which layer
    /// a tensor belongs to, so the rule is by name and rank: the name ends in
    /// `.weight` and the tensor is 2-D or 4-D. Other parameters of two or more
    /// dimensions — `pos_embed`, `cls_token`, Mamba's `A_log`,
    /// `nn.MultiheadAttention`'s `in_proj_weight`, fused 3-D expert weights
    /// (`experts.gate_up_proj`), a 3-D `Conv1d` or 5-D `Conv3d` kernel — are
    /// skipped with this reason, not written as modules PEFT could not load.
    public static func notTargetable(_ name: String, shape: [Int]) -> String? {
        let leaf = name.split(separator: ".").last.map(String.init) ?? name
        if leaf == "in_proj_weight" {
            return "nn.MultiheadAttention's fused in_proj_weight (\(shape.count)-D): not a Linear/Conv/Embedding weight PEFT's LoRA targets as a module"
        }
        guard name.hasSuffix(".weight") else {
            return "a \(shape.count)-D parameter '\(leaf)' that is not a layer's .weight (like pos_embed, cls_token, A_log, fused expert weights): PEFT's LoRA targets only Linear, Conv and Embedding weights"
        }
        switch shape.count {
        case 2, 4: return nil
        case 3: return "a 3-D .weight (a Conv1d kernel or fused expert weights): only 2-D (Linear, Conv1D, Embedding) and 4-D (Conv2d) weights are extracted"
        default: return "a \(shape.count)-D .weight: only 2-D (Linear, Conv1D, Embedding) and 4-D (Conv2d) weights are extracted"
        }
    }

    /// The layout of the tensor `name` of shape `shape`: a convolution when
    /// ≥3-D, an embedding when `embeddings` accepts the name, else `conv1D` or
    /// `linear` by `fanInFanOut`.
    public static func kind(of name: String, shape: [Int], embeddings: TensorFilter, fanInFanOut: Bool) -> LoRAModule.Kind {
        if shape.count > 2 { return .convolution }
        if embeddings.accepts(name) { return .embedding }
        return fanInFanOut ? .conv1D : .linear
    }

    /// One pair, or `nil` for a zero update.
    static func extract(_ pair: TensorPair, kind: LoRAModule.Kind, options: LoRAExtractionOptions,
                        threads: Int = 1) throws -> ExtractedLoRAModule? {
        let method = options.topK.map {
            options.method.resolved(topK: $0, rows: pair.rows, cols: pair.cols, oversampling: options.sketch.oversampling)
        } ?? .exact
        // The kept triplets (u m×r, σ, vt r×n) and the energy fraction they miss.
        let (u, σ, vt, tail): (Matrix<Double>, [Double], Matrix<Double>, Double)
        if method == .randomized, let k = options.topK {
            // The top K by randomized SVD, of ΔW formed in the sketch's precision or, too large to form,
            // applied block by block from the checkpoints. The rank rule sees their energies against the
            // exact ‖ΔW‖²_F, and ‖ΔW − B·A‖²_F = ‖ΔW‖²_F − Σ_{i≤r} σ̂ᵢ² exactly (Pythagoras), so the tail
            // is exact too.
            let update = StreamedUpdate(pair, blockBytes: options.sketch.streamingBlockBytes)
            let (total, top): (Double, SingularValueDecomposition<Double>?)
            do {
                if StreamedUpdate.streams(rows: pair.rows, cols: pair.cols, options: options.sketch) {
                    let sum = try update.statistics().sumOfSquares
                    (total, top) = (sum, sum > 0 ? try RandomizedSpectrum.decompose(streaming: update, topK: k, options: options.sketch,
                                                                                    threads: threads) : nil)
                } else {
                    let formed = try RandomizedSpectrum.decompose(forming: update, topK: k, options: options.sketch, threads: threads)
                    (total, top) = (formed.sumOfSquares, formed.svd)
                }
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw RankAnalysisError(.decompositionFailed, tensor: pair.name, paths: [pair.base.path, pair.tuned.path], "\(error)")
            }
            guard let top else { return nil }
            let kept = top.truncated(to: min(options.rank(for: top.singularValues, total: total), top.singularValues.count))
            let seen = kept.singularValues.reduce(0) { $0 + $1 * $1 }
            (u, σ, vt, tail) = (kept.u, kept.singularValues, kept.vt, max(0, 1 - seen / total))
        } else {
            let stored = try pair.update()  // rows × cols as stored (C order)
            guard stored.storage.contains(where: { $0 != 0 }) else { return nil }
            do {
                let p = try SVD.leading(stored) { options.rank(for: $0) }
                (u, σ, vt, tail) = (p.u, p.leadingSingularValues, p.vt, p.tailEnergyFraction)
            } catch {
                throw RankAnalysisError(.decompositionFailed, tensor: pair.name, paths: [pair.base.path, pair.tuned.path], "\(error)")
            }
        }
        let r = σ.count
        // stored = U Σ Vᵀ. In the out × in layout the update is stored (B = UΣ, A = Vᵀ),
        // or storedᵀ = V Σ Uᵀ for the transposed layouts (B = VΣ, A = Uᵀ).
        let (b, a): (Matrix<Double>, Matrix<Double>)
        if kind.storesTransposed {
            var vs = vt.transposed()
            for i in 0..<vs.rows { for j in 0..<r { vs.storage[i * r + j] *= σ[j] } }
            (b, a) = (vs, u.transposed())
        } else {
            var us = u
            for i in 0..<us.rows { for j in 0..<r { us.storage[i * r + j] *= σ[j] } }
            (b, a) = (us, vt)
        }
        let module = pair.name.hasSuffix(".weight") ? String(pair.name.dropLast(".weight".count)) : pair.name
        let row = LoRAExtractionRow(tensor: pair.name, module: module, kind: kind, rows: b.rows, cols: a.cols,
                                    kernel: kind == .convolution ? Array(pair.shape.dropFirst()) : [],
                                    rank: r, retainedEnergy: 1 - tail, relativeError: tail.squareRoot(), method: method)
        return ExtractedLoRAModule(row: row, b: b, a: a)
    }
}
