extension BLASKernel {
    /// Who chose the kernel a process runs on.
    public enum Origin: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// OpenBLAS chose it from CPUID (`OPENBLAS_CORETYPE` was not set).
        case detected
        /// `intrinsic-dim` chose it: it set `OPENBLAS_CORETYPE` and re-executed
        /// itself, because OpenBLAS had fallen back to its generic kernel.
        case chosen
        /// The user set `OPENBLAS_CORETYPE`.
        case user

        /// In words: `left as detected by OpenBLAS`, `chosen by intrinsic-dim`, `set by the user`.
        public var description: String {
            switch self {
            case .detected: return "left as detected by OpenBLAS"
            case .chosen: return "chosen by intrinsic-dim"
            case .user: return "set by the user"
            }
        }
    }
}
