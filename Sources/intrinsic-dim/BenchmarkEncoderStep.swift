import ArgumentParser
import Dispatch
import Foundation
import IntrinsicDim

extension Benchmark {
    /// `benchmark encoder-step`: training steps (forward, backward with dropout, the mode's
    /// pullback, AdamW, θ rebuilt) of a Hugging Face BERT folder on one fixed synthetic batch.
    struct EncoderStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encoder-step", abstract: "Time training steps of an encoder folder (full, SAID subspace or LoRA).")

        @Option(help: "A Hugging Face BERT folder (config.json, model.safetensors).") var model: String
        @Option(help: "full, subspace (SAID, per-tensor Fastfood) or lora.") var mode: String = "full"
        @Option(name: .customLong("d"), help: "d (subspace mode, including SAID's per-tensor scales).") var d: Int = 1000
        @Option(help: "LoRA rank r (α = r).") var rank: Int = 8
        @Option(help: "LoRA targets (PEFT keys).") var targets: String = "query,value"
        @Option(help: "Labels of the classification head.") var labels: Int = 8
        @Option(help: "Examples per step.") var batch: Int = 32
        @Option(help: "Tokens per example.") var length: Int = 64
        @Option(help: "Timed steps.") var steps: Int = 10
        @Option(help: "Untimed steps first.") var warmup: Int = 2
        @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard ["full", "subspace", "lora"].contains(mode) else { throw ValidationError("--mode must be full, subspace or lora") }
            guard batch >= 1, length >= 2, steps >= 1, warmup >= 0, threads >= 1, labels >= 2 else { throw ValidationError("sizes must be positive") }
        }

        func run() throws {
            try reportingFailures("benchmark encoder-step") {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let checkpoint = try EncoderCheckpoint.load(folder: model, labels: (0..<labels).map { "label_\($0)" }, seed: 0)
                let net = checkpoint.model
                var trainingMode = TrainingMode.full
                if mode == "subspace" {
                    let spec = RunSpecification.Subspace(projection: .fastfood, d: d, projectionSeed: 1, perTensor: true, said: true)
                    trainingMode = .subspace(try spec.makeMap(for: net.layout, memoryBudget: 1 << 30, threads: threads))
                } else if mode == "lora" {
                    let spec = RunSpecification.LoRA(rank: rank, targets: targets.split(separator: ",").map(String.init))
                    trainingMode = .lora(try spec.makeEncoderMap(for: net, seed: 1, threads: threads))
                }
                BLASThreads.set(1)
                var options = EncoderTrainingOptions()
                options.maxLength = length
                let state = EncoderTrainingState(model: net, mode: trainingMode, initialParameters: checkpoint.parameters,
                                                 options: options, batchCapacity: batch, lengthCapacity: length, threads: threads)
                let setup = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                // Token ids uniform over the vocabulary past the first 1,000 (BERT's special and unused
                // entries), [CLS] first; every mask 1; labels uniform.
                let s = RandomStream(seed: 5, id: 2)
                let vocabulary = net.configuration.vocabularySize
                let ids = (0..<(batch * length)).map { i -> Int32 in
                    i % length == 0 ? 101 : Int32(min(vocabulary - 1, 1000 + RandomStream.integer(word: s.word(i), below: max(1, vocabulary - 1000))))
                }
                let y = (0..<batch).map { Int32(RandomStream.integer(word: s.word(batch * length + $0), below: labels)) }
                let b = EncoderBatch(count: batch, length: length, tokenIDs: ids, attentionMask: [Int32](repeating: 1, count: batch * length), labels: y)
                var samples: [Double] = []
                for i in 0..<(warmup + steps) {
                    let a = DispatchTime.now().uptimeNanoseconds
                    _ = state.step(b, dropout: DropoutStream(seed: 1, step: i), learningRate: 1e-5)
                    if i >= warmup { samples.append(Double(DispatchTime.now().uptimeNanoseconds - a) / 1e9) }
                }
                samples.sort()
                Benchmark.emit(["kernel": "encoder-step", "implementation": "ours", "mode": mode, "trainable": state.trainableCount,
                                "full_dim": net.layout.count, "batch": batch, "length": length, "threads": threads, "steps": steps,
                                "d": mode == "subspace" ? d : 0, "rank": mode == "lora" ? rank : 0,
                                "setup_seconds": setup, "best_seconds": samples[0], "median_seconds": samples[samples.count / 2]])
            }
        }
    }
}
