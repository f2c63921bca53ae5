import Models
/// How a run ended.
public enum RunStatus: String, Sendable, Hashable, Codable {
    /// Every epoch finished with a finite loss.
    case ok
    /// A training loss or gradient became NaN or infinite; training stopped there.
    case diverged
}

/// The outcome of ``Trainer/run(mode:initialParameters:onEpoch:)``.
public struct TrainingResult: Sendable {
    /// Whether every epoch finished or the run diverged.
    public var status: RunStatus
    /// Where divergence was detected (epoch and step), when it was.
    public var divergence: String?
    /// The final θ_D (D values, in ``ParameterLayout`` order).
    public var parameters: [Float]
    /// The final θ_d of a subspace run.
    public var subspaceParameters: [Float]?
    /// One record per finished epoch.
    public var epochs: [EpochRecord]
    /// The best end-of-epoch test accuracy (0 when no epoch finished).
    public var bestTestAccuracy: Double { epochs.map(\.testAccuracy).max() ?? 0 }
    /// The last end-of-epoch test accuracy (0 when no epoch finished).
    public var finalTestAccuracy: Double { epochs.last?.testAccuracy ?? 0 }
}
