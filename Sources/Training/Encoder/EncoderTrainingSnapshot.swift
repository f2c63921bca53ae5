/// Everything an ``EncoderTrainer`` run needs to continue after a finished epoch exactly as if it
/// had not stopped: the trained vector, AdamW's moments and step count, and the epochs' records.
/// The example order, dropout masks and learning rates are functions of (seed, epoch, step), so a
/// run resumed from a snapshot makes the same operations as one that never stopped and ends
/// bit-identical to it.
public struct EncoderTrainingSnapshot: Sendable, Equatable {
    /// The trained vector after the last finished epoch: θ (full training, D values), θ_d
    /// (subspace) or θ_lora (LoRA).
    public var trainable: [Float]
    /// AdamW's first moments m, one per trained value.
    public var firstMoment: [Float]
    /// AdamW's second moments v, one per trained value.
    public var secondMoment: [Float]
    /// AdamW's step count t (equal to the optimiser steps taken).
    public var optimizerStep: Int
    /// The records of the finished epochs, in order (the last one's `epoch` is where to resume).
    public var records: [EncoderEpochRecord]

    /// A snapshot from its fields.
    ///
    /// - Precondition: the three vectors have one length; at least one record.
    public init(trainable: [Float], firstMoment: [Float], secondMoment: [Float], optimizerStep: Int, records: [EncoderEpochRecord]) {
        precondition(firstMoment.count == trainable.count && secondMoment.count == trainable.count && !records.isEmpty,
                     "EncoderTrainingSnapshot: \(trainable.count)/\(firstMoment.count)/\(secondMoment.count) values, \(records.count) records")
        self.trainable = trainable; self.firstMoment = firstMoment; self.secondMoment = secondMoment
        self.optimizerStep = optimizerStep; self.records = records
    }

    /// The last finished epoch (1-based).
    public var epoch: Int { records.last!.epoch }
}
