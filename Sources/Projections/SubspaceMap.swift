/// A map from d trainable subspace parameters θ_d to an offset of the D
/// model parameters, δθ_D = f(θ_d), with its pullback for gradients:
/// ∇θ_d = J_f(θ_d)ᵀ · ∇θ_D. Training uses θ_D = θ_D⁰ + f(θ_d).
///
/// Every linear ``Projection`` is one (it refines this protocol: f(θ) = P·θ, pullback Pᵀ·g, starting
/// point 0); ``SAIDMap`` is the non-linear case.
public protocol SubspaceMap: Sendable {
    /// D.
    var fullDimension: Int { get }
    /// d (including any scale parameters).
    var subspaceDimension: Int { get }
    /// Where θ_d starts (zeros, with SAID's scales at 1).
    var initialPoint: [Double] { get }
    /// δθ_D = f(θ_d).
    func map(_ theta: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>)
    /// ∇θ_d = J_f(θ_d)ᵀ·g.
    func pullback(_ g: UnsafeBufferPointer<Float>, at theta: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>)
}

extension Projection {
    public var initialPoint: [Double] { [Double](repeating: 0, count: subspaceDimension) }
    public func map(_ theta: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) { apply(theta, into: y) }
    public func pullback(_ g: UnsafeBufferPointer<Float>, at theta: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        applyTranspose(g, into: out)
    }
}
