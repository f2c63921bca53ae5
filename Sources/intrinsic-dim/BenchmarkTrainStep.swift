import ArgumentParser
import Dispatch
import Foundation
import IntrinsicDim

extension Benchmark {
    /// `benchmark train-step`: one optimisation step (forward, backward, L2,
    /// pullback, Adam, P·θ_d) on a fixed synthetic batch, timed step by step.
    struct TrainStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-step", abstract: "Time training steps of a model (full, subspace or LoRA).")

        @Option(help: "fc or lenet.") var model: ModelKind = .fc
        @Option(help: "full, subspace or lora.") var mode: String = "full"
        @Option(help: "LoRA rank r on every weight (lora mode; α = r).") var rank: Int = 8
        @Option(help: "dense, sparse or fastfood (subspace mode).") var projection: ProjectionDescriptor.Kind = .fastfood
        @Option(name: .customLong("d"), help: "d (subspace mode).") var d: Int = 750
        @Option(help: "Examples per step.") var batch: Int = 128
        @Option(help: "Timed steps.") var steps: Int = 200
        @Option(help: "Untimed steps first.") var warmup: Int = 20
        @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Memory budget for dense/sparse P.") var memoryBudget: MemorySize = MemorySize(bytes: 1 << 30)

        func validate() throws {
            guard ["full", "subspace", "lora"].contains(mode) else { throw ValidationError("--mode must be full, subspace or lora") }
            guard batch >= 1, steps >= 1, warmup >= 0, threads >= 1 else { throw ValidationError("sizes must be positive") }
        }

        func run() throws {
            let net = try model.make(inputFeatures: 784, classes: 10)
            let D = net.layout.count
            let t0 = DispatchTime.now().uptimeNanoseconds
            var trainingMode = TrainingMode.full
            if mode == "subspace" {
                let desc = ProjectionDescriptor(kind: projection, fullDimension: D, subspaceDimension: d, seed: 1)
                do { try desc.validate() } catch { throw ValidationError("\(error)") }
                trainingMode = .subspace(try desc.make(memoryBudget: memoryBudget.bytes, threads: threads))
            } else if mode == "lora" {
                trainingMode = .lora(try LoRAMap(layout: net.layout, modules: LoRAMap.weightModules(of: net.layout), rank: rank,
                                                 alpha: Double(rank), seed: 1, threads: threads))
            }
            BLASThreads.set(1)
            let state = TrainingState(model: net, mode: trainingMode, initialParameters: net.initialParameters(seed: 0),
                                      options: TrainingOptions(), batchCapacity: batch, threads: threads)
            let setup = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let s = RandomStream(seed: 5, id: 1)
            let x = (0..<(batch * 784)).map { Float(s.uniform($0)) }
            let y = (0..<batch).map { Int32(RandomStream.integer(word: s.word(batch * 784 + $0), below: 10)) }
            var samples: [Double] = []
            x.withUnsafeBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    for i in 0..<(warmup + steps) {
                        let a = DispatchTime.now().uptimeNanoseconds
                        _ = state.step(inputs: px.baseAddress!, labels: py.baseAddress!, count: batch)
                        if i >= warmup { samples.append(Double(DispatchTime.now().uptimeNanoseconds - a) / 1e9) }
                    }
                }
            }
            samples.sort()
            let trained: Int
            switch trainingMode {
            case .full: trained = D
            case let .subspace(f): trained = f.subspaceDimension
            case let .lora(f): trained = f.subspaceDimension
            }
            Benchmark.emit(["kernel": "train-step", "implementation": "ours", "model": model.rawValue, "mode": mode,
                            "projection": mode == "subspace" ? projection.rawValue : "none", "d": trained, "rank": mode == "lora" ? rank : 0,
                            "full_dim": D, "batch": batch, "threads": threads, "steps": steps, "setup_seconds": setup,
                            "best_seconds": samples[0], "median_seconds": samples[samples.count / 2]])
        }
    }
}
