import CheckpointIO
import _FuzzSupport

// A PEFT adapter_config.json: the JSON, every field's type and range, the
// target_modules regex and the rank_pattern/alpha_pattern regex keys, then
// each per-module lookup the adapter reader makes, on typical module paths.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdapterConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // Local, not top-level: main.swift's globals are set up only when its top-level code runs.
    let modulePaths = ["bert.encoder.layer.0.attention.self.query", "transformer.h.11.attn.c_attn", "conv1"]
    let bytes = [UInt8](fuzzInput(data, size))
    guard let config = try? LoRAAdapterConfig(path: "adapter_config.json", bytes: bytes) else { return 0 }
    for path in modulePaths {
        _ = config.targets(path)
        _ = config.rank(for: path)
        _ = config.scaling(for: path)
        _ = config.rankPatternKey(for: path)
    }
    _ = config.json
    return 0
}

fuzzMain(fuzzAdapterConfig)
