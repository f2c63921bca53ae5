import ArgumentParser
import IntrinsicDim

/// The LoRA options `train --mode lora` and `sweep --mode lora` share (the rank
/// itself is `train --rank` or `sweep --ranks`).
struct LoRAArguments: ParsableArguments {
    @Option(help: ArgumentHelp("LoRA α (default r, so s = 1).", valueName: "a")) var alpha: Double?
    @Flag(help: "rsLoRA: s = α/√r instead of α/r.") var rslora = false
    @Option(help: ArgumentHelp("Comma-separated modules to adapt (default: every weight: fc1,fc2,fc3 or conv1,conv2,fc1,fc2,fc3).", valueName: "m,m,…"))
    var targets: String?
    @Option(name: .customLong("lora-init"), help: "A's initialisation: kaiming (PEFT's default) or gaussian.")
    var loraInit: LoRAMap.Initialization = .kaiming
    @Flag(name: .customLong("cap-rank"), help: "A target smaller than r (fc3 is 10 × 200) gets rank min(out, in), keeping s, instead of an error.")
    var capRank = false

    /// Whether any LoRA option was given (an error outside lora mode).
    var isSet: Bool { alpha != nil || rslora || targets != nil || loraInit != .kaiming || capRank }

    func validate() throws {
        if let alpha, !(alpha > 0 && alpha.isFinite) { throw ValidationError("--alpha must be positive, got \(alpha)") }
    }

    /// The library's LoRA configuration of a sweep (every rank).
    var sweepLoRA: IntrinsicDim.Sweep.LoRA {
        let modules = targets.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
        return IntrinsicDim.Sweep.LoRA(alpha: alpha, useRSLoRA: rslora, targets: modules, initialization: loraInit, capRank: capRank)
    }

    /// The configuration of rank `rank` on `layout`.
    func specification(rank: Int, layout: ParameterLayout) -> RunSpecification.LoRA {
        sweepLoRA.specification(rank: rank, layout: layout)
    }
}

extension LoRAMap.Initialization: ExpressibleByArgument {}
