/// An impossible projection: bad dimensions or options. The message names
/// the offending value.
public struct ProjectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    internal static func invalidDimension(_ message: String) -> ProjectionError { ProjectionError(description: message) }
}
