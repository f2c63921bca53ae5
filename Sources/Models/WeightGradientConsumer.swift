/// Takes weight gradients in factored form instead of the dense out × in matrix.
///
/// For a dense layer y = x·Wᵀ + b on a batch of n examples (x n × in,
/// dy = ∂L/∂y n × out, row-major), ∂L/∂W = dyᵀ·x. A convolution is the same
/// with its im2col matrix as x (n·positions × in·kh·kw) and dy as
/// n·positions × out. Set on a ``ModelWorkspace`` (LoRA training does), a
/// consumer receives (x, dy) for every weight it ``consumes(weightAt:)``, and
/// the model leaves that weight's slot of the dense gradient untouched: a
/// frozen or factored weight costs no dense ∂W.
public protocol WeightGradientConsumer: AnyObject {
    /// Whether the weight whose first element is at `offset` in θ_D is taken here.
    func consumes(weightAt offset: Int) -> Bool
    /// ∂L/∂W = dyᵀ·x for the weight at `offset`: `x` is rows × (the weight's in), `dy` rows × (its out).
    func consume(weightAt offset: Int, inputs x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, rows: Int)
    /// Whether the weight at `offset` is frozen (see the extension's default).
    func isFrozen(weightAt offset: Int) -> Bool
}

extension WeightGradientConsumer {
    /// Whether the weight at `offset` is frozen: it needs no gradient at all, so a model may skip
    /// forming its output gradient dy when nothing else needs it. Default: no weight is.
    public func isFrozen(weightAt offset: Int) -> Bool { false }
}
