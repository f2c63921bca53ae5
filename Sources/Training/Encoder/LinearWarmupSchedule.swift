/// transformers' `get_linear_schedule_with_warmup`: the learning rate of optimiser step k
/// (0-based) is lr·λ(k) with λ(k) = k / max(1, w) for k < w, else
/// max(0, (N − k) / max(1, N − w)), for N total steps and w warm-up steps.
/// With w = 0 the first step uses lr and the last lr/N.
public struct LinearWarmupSchedule: Sendable, Hashable, Codable {
    /// N, the number of optimiser steps of the run.
    public let totalSteps: Int
    /// w, the warm-up steps: ⌈N·ratio⌉ as transformers' `TrainingArguments.get_warmup_steps`.
    public let warmupSteps: Int

    /// The schedule of `totalSteps` steps with `warmupRatio` ∈ [0, 1] of them warming up.
    public init(totalSteps: Int, warmupRatio: Double) {
        precondition(totalSteps >= 0 && warmupRatio >= 0 && warmupRatio <= 1, "LinearWarmupSchedule: \(totalSteps) steps, ratio \(warmupRatio)")
        self.totalSteps = totalSteps
        warmupSteps = Int((Double(totalSteps) * warmupRatio).rounded(.up))
    }

    /// λ(k), the multiplier of the base learning rate at step `step` (0-based).
    public func factor(step k: Int) -> Double {
        if k < warmupSteps { return Double(k) / Double(max(1, warmupSteps)) }
        return max(0, Double(totalSteps - k) / Double(max(1, totalSteps - warmupSteps)))
    }
}
