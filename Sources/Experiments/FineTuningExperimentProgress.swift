import Sweeps
import Training

/// What ``FineTuningExperiment/run(progress:)`` reports while it works (the library never prints).
public enum FineTuningExperimentProgress: Sendable {
    /// Pretraining starts on `dataset` into `directory` (`pretrain/`).
    case pretraining(dataset: String, directory: String)
    /// An epoch of pretraining ended, of `epochs`.
    case pretrainingEpoch(EpochRecord, epochs: Int)
    /// Pretraining finished with this final test accuracy.
    case pretrained(finalTestAccuracy: Double)
    /// The base is the encoder folder `folder` itself (no pretraining).
    case encoderBase(folder: String)
    /// A finished base is already in `directory`; it is kept.
    case keepingBase(directory: String)
    /// `count` shards' journals of the sweep `sweep` (`subspace` or `lora`) are being merged.
    case mergingShards(sweep: String, count: Int)
    /// The sweep folder `directory` already has a journal, so the shards in `shards` are not merged again.
    case shardsAlreadyMerged(directory: String, shards: String)
    /// The sweep `sweep` starts with `count` full fine-tunes copied from the sweep `from` (the same runs).
    case reusedBaselines(sweep: String, from: String, count: Int)
    /// Progress of the sweep `sweep` (`subspace` or `lora`).
    case sweep(String, SweepProgress)
    /// The sweep `sweep` (or this shard of it) finished; its summary, as in its `d_int90.json`.
    case sweepFinished(String, SweepReport)
    /// The sweeps are done; rank, compare, extract and the summary follow.
    case summarising
}
