/// How a dense m×n matrix is laid out in a flat buffer.
public enum StorageOrder: Sendable, Hashable {
    /// Rows contiguous: element (i, j) at `i * n + j` (C, NumPy's default, ``Matrix``).
    case rowMajor
    /// Columns contiguous: element (i, j) at `i + j * m` (Fortran, LAPACK).
    case columnMajor
}
