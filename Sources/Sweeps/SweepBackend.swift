import Training

/// What a sweep trains its runs with, loaded once per ``Sweep/run(progress:)``: a built-in model
/// (``BuiltinSweepBackend``, over ``TrainingSession``) or an encoder folder
/// (``EncoderSweepBackend``, over ``EncoderSession``). The sweep's loop — plan, journal,
/// resume, summaries — is the same for both.
protocol SweepBackend {
    /// D, the model's parameter count (a search's limit when it has none).
    var fullDimension: Int { get }
    /// The model's tensor count (SAID trains one scale per tensor).
    var tensorCount: Int { get }
    /// Checks a subspace dimension before any run (`d` must be in 1…D).
    func checkSubspace(_ d: Int) throws
    /// The trainable parameters of a LoRA run of rank `rank`, checking that it fits every target.
    func loraParameters(rank: Int) throws -> Int
    /// Trains `run` (LoRA of rank `run.d` when `lora`, else full for d = 0, else a subspace of
    /// dimension d) at peak learning rate `learningRate` into `folder`, calling `onEpoch` after
    /// every epoch; returns the run's record (index, d, seed, status, accuracies and the fields
    /// only this backend knows; the caller sets mode, rank, wall time and rate).
    func train(_ run: SweepRun, lora: Bool, learningRate: Float, into folder: String,
               onEpoch: (EpochRecord) -> Void) throws -> SweepRecord
    /// Epochs each run trains.
    var epochs: Int { get }
}
