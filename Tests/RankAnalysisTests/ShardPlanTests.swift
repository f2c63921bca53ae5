import RankAnalysis
import XCTest

/// The shard rule of `rank --shard`: descending cost, name tie-break, least-loaded shard.
final class ShardPlanTests: XCTestCase {
    func testGreedyLongestFirstAssignment() {
        let plan = TensorShardPlan(costs: [("e", 2), ("d", 3), ("c", 3), ("b", 4), ("a", 5)], count: 2)
        // a→1 (5|0), b→2 (5|4), c→2 (5|7), d→1 (8|7), e→2 (8|9).
        XCTAssertEqual(plan.assignment, ["a": 1, "b": 2, "c": 2, "d": 1, "e": 2])
        XCTAssertEqual(plan.loads, [8, 9])
    }

    func testPlanDoesNotDependOnInputOrder() {
        let costs: [(name: String, cost: Double)] = (0..<40).map { ("t\($0)", Double(($0 * 7919) % 13)) }
        let a = TensorShardPlan(costs: costs, count: 4)
        let b = TensorShardPlan(costs: costs.reversed(), count: 4)
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set(a.assignment.values), [1, 2, 3, 4])
    }

    func testMoreShardsThanTensorsLeavesSomeEmpty() {
        let plan = TensorShardPlan(costs: [("x", 1)], count: 3)
        XCTAssertEqual(plan.assignment, ["x": 1])
        XCTAssertEqual(plan.loads, [1, 0, 0])
    }

    func testMatrixCostIsSVDOrder() {
        XCTAssertEqual(TensorShardPlan.cost(rows: 30, cols: 4), 30 * 4 * 4)
    }
}
