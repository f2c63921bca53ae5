extension BLASKernel {
    /// What a program should do about its OpenBLAS kernel at start-up, and why
    /// (``BLASKernel/decide(corename:environment:features:available:)``).
    public struct Decision: Sendable, Hashable, CustomStringConvertible {
        /// The kernel to switch to: set `OPENBLAS_CORETYPE` to it (and
        /// ``BLASKernel/chosenMarkerVariable`` to the same value) and start
        /// the program again, since OpenBLAS reads the variable only when it
        /// loads. Nil: keep the kernel in use.
        public var switchTo: String?
        /// The kernel the CPU's features call for among those this OpenBLAS
        /// has (``BLASKernel/preferredKernel(for:available:)``), whatever is
        /// done about it; nil when none does or the features are unknown.
        public var preferred: String?
        /// Why, in one sentence.
        public var reason: String
        /// The value of `INTRINSIC_DIM_BLAS_KERNEL` when it is neither `auto`
        /// nor `off`, which a program should refuse as a usage error; nil otherwise.
        public var invalidSetting: String?

        /// A decision with the given fields.
        public init(switchTo: String?, preferred: String?, reason: String, invalidSetting: String? = nil) {
            self.switchTo = switchTo
            self.preferred = preferred
            self.reason = reason
            self.invalidSetting = invalidSetting
        }

        /// `switch to X: reason` or `keep: reason`.
        public var description: String { (switchTo.map { "switch to \($0)" } ?? "keep") + ": " + reason }
    }
}
