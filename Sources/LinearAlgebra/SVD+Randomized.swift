extension SVD {
    /// The leading `rank` singular triplets of the row-major m×n `matrix` by
    /// randomized subspace iteration (Halko, Martinsson & Tropp 2011,
    /// Algorithms 4.4 and 5.1), from a caller-supplied sketch Ω.
    ///
    /// With ℓ = `sketch.cols` (= rank + oversampling p) and q = `powerIterations`:
    /// ```
    /// Y = A·Ω            (m×ℓ)   Q = qr(Y)
    /// repeat q times:    Q = qr(Aᵀ·Q) (n×ℓ),  Q = qr(A·Q) (m×ℓ)
    /// Z = Aᵀ·Q = Bᵀ      (n×ℓ)   B = Qᵀ·A = Û·Σ·Vᵀ  (small SVD, dgesdd of Z)
    /// U = Q·Û
    /// ```
    /// and keeps the first `rank` triplets. Each product costs 2·m·n·ℓ flops, so the
    /// whole call ≈ (2q + 2)·2·m·n·ℓ plus O((m + n)·ℓ²) for the QRs and the small SVD,
    /// against ~4·m·n·min(m, n) for `dgesdd` with vectors.
    ///
    /// `sketch` is usually standard Gaussian (`GaussianSketch` in Projections builds
    /// it from a Philox stream); this module draws no random numbers itself.
    ///
    /// Accuracy: every σ̂ᵢ ≤ σᵢ (B is a compression of A), and
    /// ‖A − U·Σ·Vᵀ‖²_F = ‖A‖²_F − Σ_{i≤rank} σ̂ᵢ² exactly (Pythagoras), so the energy a
    /// caller does not see is known from ‖A‖_F. The error of σ̂ᵢ shrinks like
    /// (σ_{ℓ+1}/σᵢ)^(2q+1); BENCHMARKS.md tabulates it for q = 0, 1, 2. A matrix of
    /// exact rank ≤ ℓ is recovered to rounding (~1e-14 relative) for any q.
    ///
    /// Reproducibility: the products run as fixed row blocks (see
    /// ``GEMM/multiply(m:n:k:alpha:_:lda:transposeA:_:ldb:transposeB:beta:into:ldc:threads:)``)
    /// on up to `threads` threads, and every BLAS/LAPACK call (the blocks, `dgeqrf`,
    /// `dorgqr`, `dgesdd`) runs on one OpenBLAS thread: the pool is set to 1 for the
    /// call and restored after it when it was larger. So the result is bit-identical
    /// for any `threads` and any pool size. Callers that run several of these at once
    /// on their own threads should set ``BLASThreads`` to 1 beforehand (as the rank
    /// analysis does), so that no call restores a larger pool under another.
    ///
    /// Precision: every product, QR and the small SVD run in `S` (`Float` through
    /// `sgemm`/`sgeqrf`/`sgesdd`, `Double` through the `d` routines). In `Float` the
    /// σ̂ carry an extra relative error of a few times 1e-7·σ₁/σᵢ: negligible beside
    /// the algorithm's own error for the usual p and q, and half the time and memory.
    ///
    /// Storage: `matrix` and the result are row-major. Sign convention: each pair
    /// (uᵢ, vᵢ) is determined up to a common sign (LAPACK's).
    ///
    /// - Parameters:
    ///   - matrix: A, m×n, row-major.
    ///   - sketch: Ω, n×ℓ, row-major, with `rank ≤ ℓ`.
    ///   - rank: K, the triplets kept; clamped to min(m, n, ℓ).
    ///   - powerIterations: q ≥ 0 (default 2).
    ///   - threads: threads for the large products (default 1).
    /// - Returns: `u` m×K, K values σ̂ (descending), `vt` K×n.
    /// - Throws: ``LinearAlgebraError/Code/dimensionMismatch`` when `sketch.rows ≠ n`;
    ///   ``LinearAlgebraError/Code/nonFinite`` for NaN or infinity in A or Ω;
    ///   ``LinearAlgebraError/Code/notConverged`` when `dgesdd` fails.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func randomized<S: LinearAlgebraScalar>(
        _ matrix: Matrix<S>, sketch: Matrix<S>, rank: Int, powerIterations: Int = 2, threads: Int = 1
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<S> {
        try matrix.storage.withUnsafeBufferPointer { (p) throws(LinearAlgebraError) in
            try randomized(rows: matrix.rows, cols: matrix.cols, matrix: p, sketch: sketch, rank: rank,
                           powerIterations: powerIterations, threads: threads)
        }
    }

    /// ``randomized(_:sketch:rank:powerIterations:threads:)`` on a row-major m×n
    /// buffer the caller owns (no copy of A is made; A is only read).
    ///
    /// With `checkingFinite: false` the pass over A that rejects NaN and
    /// infinity is skipped: for a caller that has just produced A with every
    /// element checked (the rank analysis decodes checkpoints with NaN checks);
    /// a non-finite A then gives unspecified values instead of an error.
    ///
    /// - Precondition: `matrix.count ≥ rows * cols`, `powerIterations ≥ 0`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func randomized<S: LinearAlgebraScalar>(
        rows m: Int, cols n: Int, matrix: UnsafeBufferPointer<S>, sketch: Matrix<S>, rank: Int,
        powerIterations: Int = 2, threads: Int = 1, checkingFinite: Bool = true
    ) throws(LinearAlgebraError) -> SingularValueDecomposition<S> {
        precondition(m >= 0 && n >= 0 && matrix.count >= m * n,
                     "SVD.randomized: buffer of \(matrix.count) elements cannot hold \(m)×\(n)")
        if checkingFinite && m > 0 && n > 0 && !S._allFinite(UnsafeBufferPointer(rebasing: matrix[0..<(m * n)])) {
            throw .nonFinite(routine: "SVD.randomized", shape: [m, n])
        }
        let a = matrix.baseAddress
        return try withSingleThreadedBLAS { () throws(LinearAlgebraError) in
            try randomizedCore(
                rows: m, cols: n, sketch: sketch, rank: rank, powerIterations: powerIterations,
                product: { (x: Matrix<S>, transposed: Bool) throws(LinearAlgebraError) -> Matrix<S> in
                    // A·X (X n×ℓ → m×ℓ) or Aᵀ·X (X m×ℓ → n×ℓ), fixed row blocks.
                    let (outRows, inner) = transposed ? (n, m) : (m, n)
                    var c = Matrix<S>(rows: outRows, cols: x.cols)
                    guard let a, outRows > 0, x.cols > 0 else { return c }
                    x.storage.withUnsafeBufferPointer { px in
                        c.storage.withUnsafeMutableBufferPointer { pc in
                            GEMM.multiply(m: outRows, n: x.cols, k: inner, a, lda: n, transposeA: transposed,
                                          px.baseAddress!, ldb: x.cols, into: pc.baseAddress!, ldc: x.cols,
                                          threads: threads)
                        }
                    }
                    return c
                },
                wrap: { $0 })
        }
    }

    /// ``randomized(_:sketch:rank:powerIterations:threads:)`` for a matrix that is
    /// only available as an operator: `product(X, false)` must return A·X (X n×ℓ,
    /// result m×ℓ) and `product(X, true)` Aᵀ·X (X m×ℓ, result n×ℓ), all row-major.
    /// A is never formed, so A may be streamed from disk block by block, or be a
    /// difference W₁ − W₀ applied as W₁·X − W₀·X.
    ///
    /// The call makes q + 1 products of each kind. Unlike the dense forms it does not
    /// touch the OpenBLAS pool: reproducibility is up to `product`.
    ///
    /// - Throws: whatever `product` throws, or a ``LinearAlgebraError``
    ///   (`dimensionMismatch` when `sketch.rows ≠ cols` or a product has the wrong shape).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func randomized<S: LinearAlgebraScalar>(
        rows m: Int, cols n: Int, sketch: Matrix<S>, rank: Int, powerIterations: Int = 2,
        product: (_ x: Matrix<S>, _ transposed: Bool) throws -> Matrix<S>
    ) throws -> SingularValueDecomposition<S> {
        try randomizedCore(rows: m, cols: n, sketch: sketch, rank: rank, powerIterations: powerIterations,
                           product: product, wrap: { $0 as any Error })
    }

    // The algorithm, generic over the error type so that the dense forms keep
    // typed throws while the operator form can pass on its caller's errors.
    private static func randomizedCore<S: LinearAlgebraScalar, E: Error>(
        rows m: Int, cols n: Int, sketch: Matrix<S>, rank: Int, powerIterations q: Int,
        product: (Matrix<S>, Bool) throws(E) -> Matrix<S>,
        wrap: (LinearAlgebraError) -> E
    ) throws(E) -> SingularValueDecomposition<S> {
        precondition(q >= 0, "SVD.randomized: powerIterations must be ≥ 0, got \(q)")
        guard sketch.rows == n else { throw wrap(.dimensionMismatch(routine: "SVD.randomized", shape: [m, n, sketch.rows, sketch.cols])) }
        let l = sketch.cols
        let k = max(0, min(rank, m, n, l))
        if k == 0 {
            return SingularValueDecomposition(u: Matrix(rows: m, cols: 0), singularValues: [], vt: Matrix(rows: 0, cols: n))
        }
        if !sketch.storage.withUnsafeBufferPointer(S._allFinite) {
            throw wrap(.nonFinite(routine: "SVD.randomized", shape: [sketch.rows, sketch.cols]))
        }
        func apply(_ x: Matrix<S>, _ transposed: Bool) throws(E) -> Matrix<S> {
            let y = try product(x, transposed)
            guard y.rows == (transposed ? n : m), y.cols == x.cols else {
                throw wrap(.dimensionMismatch(routine: "SVD.randomized product", shape: [y.rows, y.cols]))
            }
            return y
        }
        func orthonormal(_ y: Matrix<S>) throws(E) -> Matrix<S> {
            do { return try QR.decompose(y).q } catch { throw wrap(error) }
        }
        var basis = try orthonormal(try apply(sketch, false))                 // m × min(m, ℓ)
        for _ in 0..<q {
            let right = try orthonormal(try apply(basis, true))               // n × ·
            basis = try orthonormal(try apply(right, false))                  // m × ·
        }
        let z = try apply(basis, true)                                        // n × ℓ' = Bᵀ
        let small: SingularValueDecomposition<S>
        do { small = try SVD.decompose(z) } catch { throw wrap(error) }       // Bᵀ = V·Σ·Ûᵀ
        let kept = min(k, small.singularValues.count)
        let top = small.truncated(to: kept)
        do {
            // U = Q·Û (m×K), with Û's first K columns the first K rows of `top.vt`; Vᵀ = (V_K)ᵀ.
            let u = try GEMM.multiply(basis, top.vt, transposeB: true)
            return SingularValueDecomposition(u: u, singularValues: top.singularValues, vt: top.u.transposed())
        } catch { throw wrap(error) }
    }
}

/// Runs `body` with OpenBLAS's pool at one thread, restoring a larger pool after.
internal func withSingleThreadedBLAS<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    let saved = BLASThreads.count
    if saved != 1 { BLASThreads.set(1) }
    defer { if saved != 1 { BLASThreads.set(saved) } }
    return try body()
}
