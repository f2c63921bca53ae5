import CheckpointIO
import Foundation
import Training

/// `resume.safetensors`: the state an unfinished encoder run leaves in its folder after every
/// epoch but the last (``Training/EncoderTrainingSnapshot``), so that running it again continues
/// after that epoch and ends bit-identical to a run that never stopped. Removed once the run's
/// `run.json` is written.
///
/// Layout: F32 tensors `trainable`, `first_moment`, `second_moment` (one value per trained
/// parameter: θ in full training, θ_d, θ_lora); metadata `format` `intrinsic-dim-resume`,
/// `optimizer_step`, `records` (the finished epochs' records as JSON) and `run` (the run's
/// specification as text; a state written for another specification is ignored, not resumed).
public enum EncoderResumeState {
    /// The file's name in a run folder.
    public static let fileName = "resume.safetensors"

    /// The text that identifies a run: every option, the folder, the task, the mode's settings.
    public static func key(_ spec: EncoderRunSpecification) -> String { String(reflecting: spec) }

    /// Writes `snapshot` for the run `key` into `directory`, atomically.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file when it cannot be written.
    public static func write(_ snapshot: EncoderTrainingSnapshot, key: String, to directory: String) throws {
        let records = String(decoding: try JSONEncoder().encode(snapshot.records), as: UTF8.self)
        var w = SafetensorsWriter(metadata: ["format": "intrinsic-dim-resume", "optimizer_step": String(snapshot.optimizerStep),
                                             "records": records, "run": key])
        w.add("trainable", shape: [snapshot.trainable.count], float32: snapshot.trainable)
        w.add("first_moment", shape: [snapshot.firstMoment.count], float32: snapshot.firstMoment)
        w.add("second_moment", shape: [snapshot.secondMoment.count], float32: snapshot.secondMoment)
        try w.write(to: (directory as NSString).appendingPathComponent(fileName))
    }

    /// The snapshot of the run `key` in `directory` with `count` trained values, or `nil` when
    /// there is none or it belongs to another run (another key or size).
    ///
    /// - Throws: ``CheckpointIO/CheckpointError`` naming the file and field when it is there, for
    ///   this run, but malformed (so a damaged state is an error, not a silent restart).
    public static func read(from directory: String, key: String, count: Int) throws -> EncoderTrainingSnapshot? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try SafetensorsFile(path: path)
        guard file.metadata["format"] == "intrinsic-dim-resume", file.metadata["run"] == key else { return nil }
        func vector(_ name: String) throws -> [Float] {
            guard let t = file.tensors.first(where: { $0.name == name }), t.dtype == .f32, t.shape == [count] else {
                throw CheckpointError(.invalidEntry, path: path, "tensor '\(name)' is missing or not F32 [\(count)]")
            }
            var out = [Float](repeating: 0, count: count)
            try t.decode { first, values in for k in 0..<values.count { out[first + k] = Float(values[k]) } }
            return out
        }
        guard let stepText = file.metadata["optimizer_step"], let step = Int(stepText), step >= 0 else {
            throw CheckpointError(.invalidEntry, path: path, "metadata 'optimizer_step' is missing or not a count")
        }
        let records: [EncoderEpochRecord]
        do {
            records = try JSONDecoder().decode([EncoderEpochRecord].self, from: Data((file.metadata["records"] ?? "").utf8))
        } catch {
            throw CheckpointError(.invalidEntry, path: path, "metadata 'records' is not a list of epoch records")
        }
        guard !records.isEmpty else { throw CheckpointError(.invalidEntry, path: path, "metadata 'records' is empty") }
        return EncoderTrainingSnapshot(trainable: try vector("trainable"), firstMoment: try vector("first_moment"),
                                       secondMoment: try vector("second_moment"), optimizerStep: step, records: records)
    }

    /// Removes the state from `directory`, if there is one.
    public static func remove(from directory: String) {
        try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(fileName))
    }
}
