// SweepAndExperiment: a d_int90 sweep and the fine-tuning experiment, each one library call.
//
// `Sweep(plan:…).run(progress:)` trains the full-training baselines and every (d, seed) of its
// plan into one directory (runs/…, journal.jsonl, sweep.csv, d_int90.json) and resumes from its
// journal when called again. `FineTuningExperiment(options).run(progress:)` pretrains a base on
// one task, sweeps Fastfood subspaces and LoRA ranks of fine-tuning it on another, and ranks,
// compares and extracts ΔW (experiment.csv, experiment.json). Both run here on the committed
// MNIST subsets at toy scale; their d_int90 and r_int90 are checked against the runs' own
// accuracies (the smallest size whose mean over seeds reaches threshold × the baselines' mean).
//
// Usage (from the repository root):
//   swift run SweepAndExperiment [OUT]        (default: a fresh temporary directory)
import Foundation
import IntrinsicDim

/// Prints one line to stderr and exits 1: an example that fails says why.
func fail(_ message: String) -> Never {
    fflush(nil)  // stdout first, so the reason comes last
    FileHandle.standardError.write(Data("SweepAndExperiment: \(message)\n".utf8))
    exit(1)
}

/// The smallest size whose mean final accuracy over its ok runs reaches `threshold` × the mean of
/// the baselines (size 0), computed here from the records alone.
func smallestSizeReaching(_ threshold: Double, _ records: [SweepRecord]) -> Int? {
    var accuracies: [Int: [Double]] = [:]
    for r in records where r.status == .ok { accuracies[r.d, default: []].append(r.finalTestAccuracy) }
    let mean = { (d: Int) in accuracies[d].map { $0.reduce(0, +) / Double($0.count) } }
    guard let baseline = mean(0) else { return nil }
    return accuracies.keys.filter { $0 > 0 }.sorted().first { mean($0)! >= threshold * baseline }
}

let args = CommandLine.arguments
let out = args.count > 1 ? args[1] : NSTemporaryDirectory() + "SweepAndExperiment-\(ProcessInfo.processInfo.processIdentifier)"
let task = "Tests/Fixtures/training/datasets/mnist_subset.npz"               // MNIST t10k 0–599 / 600–799
let pretrain = "Tests/Fixtures/training/datasets/mnist_subset_permuted.npz"  // the same images, labels permuted

do {
    try? FileManager.default.removeItem(atPath: out)
    let start = Date()

    // 1. A Fastfood sweep of the FC network from scratch. FFTW's Walsh–Hadamard kernel because
    //    this runs as a debug build (the native one is the faster in release).
    var options = TrainingOptions()
    options.epochs = 3
    options.batchSize = 32
    options.learningRate = 0.02          // subspace runs; the baselines take 1e-3
    var sweep = Sweep(plan: SweepPlan(dimensions: [8000, 500], seeds: 2),
                      training: RunSpecification(model: .fc, dataset: task, options: options),
                      directory: out + "/sweep", dataDirectory: "data", threads: 2)
    sweep.subspace = Sweep.Subspace(projection: .fastfood, wht: .fftw)
    sweep.baselineLearningRate = 1e-3
    sweep.summary.threshold = 0.9
    sweep.summary.bootstrapReplicates = 100
    let report = try sweep.run { event in
        if case let .finished(run, record) = event {
            print("sweep run \(run.position)/\(run.total!) (\(run.label), seed \(run.run.seed)): final test accuracy \(String(format: "%.3f", record.finalTestAccuracy))")
        }
    }
    guard report.records.count == 6 else { fail("the sweep journalled \(report.records.count) runs, not 2 baselines + 2 d × 2 seeds") }
    let dInt90 = smallestSizeReaching(0.9, report.records)
    guard dInt90 != nil else { fail("no d reaches 90 % of the baselines; the check would be empty") }
    guard report.estimate.dInt90 == dInt90 else { fail("d_int90 \(report.estimate.dInt90 as Any), the runs say \(dInt90 as Any)") }
    // What d_int90.json holds is that report.
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep/d_int90.json"))) as? [String: Any]
    guard json?["d_int90"] as? Int == dInt90 else { fail("d_int90.json says \(json?["d_int90"] as Any), not \(dInt90!)") }
    // Calling it again resumes from the journal: no run is made, the result is the same.
    var epochsAgain = 0
    let again = try sweep.run { if case .epoch = $0 { epochsAgain += 1 } }
    guard epochsAgain == 0, again.estimate == report.estimate else { fail("the resumed sweep trained \(epochsAgain) epochs or changed its estimate") }
    print("sweep: baseline \(String(format: "%.3f", report.estimate.baselineAccuracy!)), d_int90 = \(dInt90!) (of D = 199,210)")

    // 2. The fine-tuning experiment: a base pretrained on permuted labels, fine-tuned on the true ones.
    var e = FineTuningExperiment.Options(pretrain: pretrain, task: task, directory: out + "/experiment")
    e.dimensions = [1000, 8000]
    e.ranks = [1, 8]
    e.seeds = 2
    e.epochs = 3
    e.pretrainEpochs = 3
    e.subspaceLearningRate = 0.02
    e.loraLearningRate = 0.02
    e.threshold = 0.9
    e.threads = 2
    e.wht = .fftw
    guard case let .finished(summary) = try FineTuningExperiment(e).run(progress: { event in
        if case let .sweep(name, .finished(run, record)) = event {
            print("experiment \(name) run \(run.position)/\(run.total!) (\(run.label), seed \(run.run.seed)): final test accuracy \(String(format: "%.3f", record.finalTestAccuracy))")
        }
    }) else { fail("an unsharded experiment ended without its summary") }
    let experimentD = smallestSizeReaching(0.9, summary.subspace), experimentR = smallestSizeReaching(0.9, summary.lora)
    guard experimentD != nil, experimentR != nil else { fail("d_int90 \(experimentD as Any) or r_int90 \(experimentR as Any) not reached; the check would be empty") }
    guard summary.dInt90 == experimentD else { fail("experiment d_int90 \(summary.dInt90 as Any), the runs say \(experimentD!)") }
    guard summary.rInt90 == experimentR else { fail("experiment r_int90 \(summary.rInt90 as Any), the runs say \(experimentR!)") }
    for file in ["experiment.csv", "experiment.json", "rank/seed0/rank_summary.csv", "extract/seed1/energy90/adapter_config.json"]
    where !FileManager.default.fileExists(atPath: out + "/experiment/" + file) {
        fail("the experiment wrote no \(file)")
    }
    print("experiment: full fine-tune \(String(format: "%.3f", summary.fullAccuracy!)) (the base: \(String(format: "%.3f", summary.baseTaskAccuracy))),",
          "d_int90 = \(experimentD!), r_int90 = \(experimentR!) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    if args.count <= 1 { try? FileManager.default.removeItem(atPath: out) }
} catch {
    fail("\(error)")
}
