import CheckpointIO
import Foundation
import Models
import XCTest
import _TestSupport

/// Reads the committed encoder fixtures (Tests/Fixtures/encoder, written by
/// make_encoder_fixtures.py with transformers and torch autograd).
enum EncoderFixtures {
    static func reference(_ file: String) throws -> Checkpoint {
        try Checkpoint.open(Fixtures.path("encoder/\(file)"))
    }

    static func doubles(_ c: Checkpoint, _ name: String) throws -> [Double] {
        try XCTUnwrap(c[name], "fixture tensor \(name)").readDoubles()
    }

    static func integers(_ c: Checkpoint, _ name: String) throws -> [Int32] {
        try XCTUnwrap(c[name], "fixture tensor \(name)").readIntegers().map { Int32($0) }
    }

    /// The batch stored under `prefix` ("single." or "pair." or "").
    static func batch(_ c: Checkpoint, prefix: String) throws -> EncoderBatch {
        let shape = try XCTUnwrap(c[prefix + "input_ids"]).shape
        return EncoderBatch(count: shape[0], length: shape[1], tokenIDs: try integers(c, prefix + "input_ids"),
                            tokenTypes: try integers(c, prefix + "token_type_ids"),
                            attentionMask: try integers(c, prefix + "attention_mask"),
                            labels: try integers(c, prefix + "labels"))
    }

    /// Logits, loss sum and (when `gradient`) the gradient of one pass.
    static func run(_ model: BertClassifier, _ theta: [Float], _ batch: EncoderBatch, dropout: DropoutStream? = nil,
                    gradient: Bool = true, threads: Int = 1) -> (logits: [Float], result: BatchResult, gradient: [Float]) {
        let ws = model.makeWorkspace(batchCapacity: batch.count, lengthCapacity: batch.length, threads: threads)
        var g = [Float](repeating: .nan, count: gradient ? model.layout.count : 0)
        let r = theta.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gp in
                model.evaluate(parameters: t.baseAddress!, batch: batch, dropout: dropout,
                               gradient: gradient ? gp.baseAddress! : nil, workspace: ws)
            }
        }
        return (ws.logits(count: batch.count), r, g)
    }

    /// max |a − b| / max |b|.
    static func relativeMax(_ a: [Float], _ b: [Double]) -> Double {
        let scale = b.map(abs).max() ?? 0
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    /// ‖a − b‖ / ‖b‖.
    static func relativeNorm(_ a: ArraySlice<Float>, _ b: [Double]) -> Double {
        var d = 0.0, n = 0.0
        for (x, y) in zip(a, b) { d += (Double(x) - y) * (Double(x) - y); n += y * y }
        return (d / n).squareRoot()
    }
}
