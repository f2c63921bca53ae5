import CheckpointIO
import XCTest

/// `LoRAAdapterConfig.patterned`: the one rule from per-module (path, r, α) to `r`, `lora_alpha`,
/// `rank_pattern` and `alpha_pattern`, checked against values worked out by hand.
final class LoRAAdapterConfigPatternTests: XCTestCase {
    func testMostCommonRankAndAlphaAreTheDefaultsAndTheRestArePatterns() {
        let c = LoRAAdapterConfig.patterned([
            .init(path: "encoder.layer.0.attention.self.query", rank: 8, alpha: 16),
            .init(path: "encoder.layer.0.attention.self.value", rank: 8, alpha: 16),
            .init(path: "encoder.layer.1.attention.self.query", rank: 4, alpha: 16),
            .init(path: "classifier", rank: 8, alpha: 8),
        ])
        XCTAssertEqual(c.rank, 8)
        XCTAssertEqual(c.alpha, 16)
        XCTAssertEqual(c.targetModules, .names(["encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value",
                                                "encoder.layer.1.attention.self.query", "classifier"]))
        // Only what differs from the defaults, keyed by the regex-escaped path.
        XCTAssertEqual(c.rankPattern.map(\.key), [#"encoder\.layer\.1\.attention\.self\.query"#])
        XCTAssertEqual(c.rankPattern.map(\.rank), [4])
        XCTAssertEqual(c.alphaPattern.map(\.key), ["classifier"])
        XCTAssertEqual(c.alphaPattern.map(\.alpha), [8])
        // PEFT's matching (re.match(rf"(.*\.)?({key})$", path)) reads every module back, and the
        // escaped dots do not let layer.1's key match a path like encoder.layer01.attention.self.query.
        XCTAssertEqual(c.rank(for: "encoder.layer.1.attention.self.query"), 4)
        XCTAssertEqual(c.rank(for: "base_model.model.encoder.layer.1.attention.self.query"), 4)
        XCTAssertEqual(c.rank(for: "encoder.layer01.attention.self.query"), 8)
        XCTAssertEqual(c.rank(for: "encoder.layer.0.attention.self.query"), 8)
        XCTAssertEqual(c.alpha(for: "classifier"), 8)
        XCTAssertEqual(c.scaling(for: "encoder.layer.1.attention.self.query"), 4)
    }

    func testTiesGoToTheSmallestRankAndGivenDefaultsWin() {
        let tie = LoRAAdapterConfig.patterned([.init(path: "fc1", rank: 4, alpha: 4), .init(path: "fc2", rank: 2, alpha: 2)])
        XCTAssertEqual(tie.rank, 2)
        XCTAssertEqual(tie.alpha, 2)
        XCTAssertEqual(tie.rankPattern.map(\.key), ["fc1"])
        XCTAssertEqual(tie.alphaPattern.map(\.alpha), [4])
        // A LoRA run asked for r = 8, α = 16; fc3 (10 × 200) was capped at 10 keeping s = 2.
        let run = LoRAAdapterConfig.patterned([.init(path: "fc1", rank: 8, alpha: 16), .init(path: "fc2", rank: 8, alpha: 16),
                                               .init(path: "fc3", rank: 10, alpha: 20)], rank: 8, alpha: 16)
        XCTAssertEqual(run.rank, 8)
        XCTAssertEqual(run.rankPattern.map(\.key), ["fc3"])
        XCTAssertEqual(run.alphaPattern.map(\.alpha), [20])
        XCTAssertEqual(run.scaling(for: "fc3"), 2)
        let none = LoRAAdapterConfig.patterned([])
        XCTAssertEqual(none.rank, 1)
        XCTAssertEqual(none.alpha, 1)
        XCTAssertTrue(none.rankPattern.isEmpty && none.alphaPattern.isEmpty)
    }
}
