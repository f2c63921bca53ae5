/// The feed-forward activation of a BERT layer, from `config.json`'s `hidden_act`.
public enum BertActivation: String, Sendable, Hashable, CaseIterable {
    /// `"gelu"`: the exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)), as transformers' `GELUActivation`.
    case gelu
    /// `"gelu_new"`: the tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    case geluNew = "gelu_new"
    /// `"gelu_pytorch_tanh"`: the same tanh approximation (PyTorch's `approximate="tanh"`).
    case geluPyTorchTanh = "gelu_pytorch_tanh"
    /// `"relu"`: max(x, 0).
    case relu

    /// Whether this is one of the two tanh approximations of GELU.
    public var isTanhApproximation: Bool { self == .geluNew || self == .geluPyTorchTanh }
}
