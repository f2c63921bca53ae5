/// An error from a dense linear-algebra routine, carrying the routine, its
/// `info` status and the operand shape.
///
/// LAPACK reports data conditions through a positive `info`; those become a
/// thrown `LinearAlgebraError`. A negative `info` means this module passed an
/// illegal argument, which is a bug and traps instead.
///
/// Match on codes like an `Errno`:
/// ```swift
/// do { _ = try SVD.singularValues(of: m) }
/// catch LinearAlgebraError.Code.notConverged { … }
/// ```
public struct LinearAlgebraError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. New codes may be added; `switch` over them with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        internal enum Storage: String, Hashable, Sendable {
            case notConverged, nonFinite, dimensionMismatch
        }
        internal let storage: Storage
        /// An iterative routine (for example the divide-and-conquer SVD) did not converge.
        public static let notConverged = Code(storage: .notConverged)
        /// The input held a NaN or an infinity, for which LAPACK's results are undefined.
        public static let nonFinite = Code(storage: .nonFinite)
        /// Operand shapes do not fit together.
        public static let dimensionMismatch = Code(storage: .dimensionMismatch)
        public var description: String { storage.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// The LAPACK/BLAS routine (for example `dgesdd`), or the Swift entry point.
    public let routine: String
    /// LAPACK's `info` value, or 0 when the error was found before the call.
    public let info: Int
    /// The operand shape, `[rows, cols]`.
    public let shape: [Int]

    public var description: String {
        let dims = shape.map(String.init).joined(separator: "×")
        switch code.storage {
        case .notConverged:
            return "\(routine): did not converge (info=\(info)) for \(dims) matrix"
        case .nonFinite:
            return "\(routine): input \(dims) matrix holds NaN or infinity"
        case .dimensionMismatch:
            return "\(routine): operand shapes do not fit (\(dims))"
        }
    }

    internal static func notConverged(routine: String, info: Int, shape: [Int]) -> Self {
        Self(code: .notConverged, routine: routine, info: info, shape: shape)
    }
    internal static func nonFinite(routine: String, shape: [Int]) -> Self {
        Self(code: .nonFinite, routine: routine, info: 0, shape: shape)
    }
    internal static func dimensionMismatch(routine: String, shape: [Int]) -> Self {
        Self(code: .dimensionMismatch, routine: routine, info: 0, shape: shape)
    }
}

/// Lets `catch LinearAlgebraError.Code.notConverged` match a thrown error by code.
public func ~= (code: LinearAlgebraError.Code, error: any Error) -> Bool {
    (error as? LinearAlgebraError)?.code == code
}
