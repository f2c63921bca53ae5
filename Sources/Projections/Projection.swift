/// A fixed random linear map P from a d-dimensional subspace to the
/// D-dimensional parameter space of a model, θ_D = θ_D⁰ + P·θ_d
/// (Li et al. 2018; Aghajanyan et al. 2020).
///
/// Shapes: P is D×d (``fullDimension`` × ``subspaceDimension``).
/// ``apply(_:into:)`` computes P·x (d in, D out) and
/// ``applyTranspose(_:into:)`` computes Pᵀ·y (D in, d out), the exact adjoint:
/// ⟨P·x, y⟩ = ⟨x, Pᵀ·y⟩ up to rounding. Both write into caller-owned
/// buffers, in Float32 or Float64, and are safe to call from several threads
/// at once. P is a function of its description alone (kind, D, d, seed, …):
/// the same description gives bit-identical results on any machine
/// configuration and thread count.
public protocol Projection: SubspaceMap {
    /// D, the number of model parameters.
    var fullDimension: Int { get }
    /// d, the number of trainable subspace parameters.
    var subspaceDimension: Int { get }
    /// Everything needed to rebuild this P.
    var descriptor: ProjectionDescriptor { get }

    /// y = P·x. `x.count == d`, `y.count == D`.
    func apply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>)
    /// y = P·x. `x.count == d`, `y.count == D`.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
    /// out = Pᵀ·g. `g.count == D`, `out.count == d`.
    func applyTranspose(_ g: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>)
    /// out = Pᵀ·g. `g.count == D`, `out.count == d`.
    func applyTranspose(_ g: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>)
}

extension Projection {
    /// P·x as a new array.
    public func apply<S: ProjectionScalar>(_ x: [S]) -> [S] {
        var y = [S](repeating: 0, count: fullDimension)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                if S.self == Float.self {
                    apply(UnsafeRawBufferPointer(px).bindMemory(to: Float.self),
                          into: UnsafeMutableRawBufferPointer(py).bindMemory(to: Float.self))
                } else {
                    apply(UnsafeRawBufferPointer(px).bindMemory(to: Double.self),
                          into: UnsafeMutableRawBufferPointer(py).bindMemory(to: Double.self))
                }
            }
        }
        return y
    }

    /// Pᵀ·g as a new array.
    public func applyTranspose<S: ProjectionScalar>(_ g: [S]) -> [S] {
        var out = [S](repeating: 0, count: subspaceDimension)
        g.withUnsafeBufferPointer { pg in
            out.withUnsafeMutableBufferPointer { po in
                if S.self == Float.self {
                    applyTranspose(UnsafeRawBufferPointer(pg).bindMemory(to: Float.self),
                                   into: UnsafeMutableRawBufferPointer(po).bindMemory(to: Float.self))
                } else {
                    applyTranspose(UnsafeRawBufferPointer(pg).bindMemory(to: Double.self),
                                   into: UnsafeMutableRawBufferPointer(po).bindMemory(to: Double.self))
                }
            }
        }
        return out
    }

    internal func checkApply(_ x: Int, _ y: Int) {
        precondition(x == subspaceDimension && y == fullDimension,
                     "\(descriptor.kind.rawValue) projection: apply takes d = \(subspaceDimension) values into D = \(fullDimension), got \(x) into \(y)")
    }

    internal func checkTranspose(_ g: Int, _ out: Int) {
        precondition(g == fullDimension && out == subspaceDimension,
                     "\(descriptor.kind.rawValue) projection: applyTranspose takes D = \(fullDimension) values into d = \(subspaceDimension), got \(g) into \(out)")
    }
}
