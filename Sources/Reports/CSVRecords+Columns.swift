import CheckpointIO

extension CSVRecords {
    /// Every cell of `column`, top to bottom.
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the missing column.
    public func strings(_ column: String) throws(CheckpointError) -> [String] {
        let i = try index(of: column)
        return rows.map { $0[i] }
    }

    /// Every cell of `column` as a number (`nil` for an empty cell; `inf`, `-inf`, `nan` as written).
    ///
    /// - Throws: ``CheckpointIO/CheckpointError/Code/invalidEntry`` naming the column, or the
    ///   line and column of a cell that is not a number.
    public func numbers(_ column: String) throws(CheckpointError) -> [Double?] {
        var out: [Double?] = []
        out.reserveCapacity(rows.count)
        for r in rows.indices { out.append(try optionalDouble(r, column)) }
        return out
    }
}
