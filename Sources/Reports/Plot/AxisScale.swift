import Foundation

/// A map from data values to SVG pixels along one axis of a plot.
///
/// A linear scale maps the domain [lower, upper] affinely onto
/// [rangeStart, rangeEnd]; a logarithmic scale does the same with log₁₀ of
/// the value. The range may run backwards (a y axis grows upwards, so its
/// `rangeStart` is the larger pixel coordinate).
///
/// Every figure writes its scales into the SVG (`data-x-scale`,
/// `data-x-domain`, `data-x-range`, and the same for y on each
/// `<g class="plot-area">`), so a reader can invert a mark's coordinates
/// with ``value(atPosition:)``.
public struct AxisScale: Sendable, Hashable {
    /// How values are spaced along the axis.
    public enum Kind: String, Sendable, Hashable {
        /// Equal differences take equal lengths.
        case linear
        /// Equal ratios take equal lengths (log₁₀); the domain must be positive.
        case log
    }

    /// Linear or logarithmic.
    public let kind: Kind
    /// The value at `rangeStart`.
    public let lower: Double
    /// The value at `rangeEnd`.
    public let upper: Double
    /// The pixel coordinate of `lower`.
    public let rangeStart: Double
    /// The pixel coordinate of `upper`.
    public let rangeEnd: Double

    /// A scale from the domain `lower...upper` onto the pixels `rangeStart` → `rangeEnd`.
    ///
    /// - Precondition: `lower < upper`, both finite, and both positive for ``Kind/log``.
    public init(_ kind: Kind, domain lower: Double, _ upper: Double, range rangeStart: Double, _ rangeEnd: Double) {
        precondition(lower.isFinite && upper.isFinite && lower < upper, "AxisScale: empty or non-finite domain \(lower)...\(upper)")
        precondition(kind == .linear || lower > 0, "AxisScale: a log domain must be positive, got \(lower)")
        self.kind = kind
        self.lower = lower
        self.upper = upper
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
    }

    private func t(_ v: Double) -> Double { kind == .log ? log10(v) : v }
    private func tInverse(_ u: Double) -> Double { kind == .log ? pow(10, u) : u }

    /// The pixel coordinate of the value `v` (outside the domain it extrapolates;
    /// a non-positive value on a log scale gives −∞ or NaN).
    public func position(_ v: Double) -> Double {
        let (a, b) = (t(lower), t(upper))
        return rangeStart + (t(v) - a) / (b - a) * (rangeEnd - rangeStart)
    }

    /// The value at pixel coordinate `px`: the inverse of ``position(_:)``.
    public func value(atPosition px: Double) -> Double {
        let (a, b) = (t(lower), t(upper))
        return tInverse(a + (px - rangeStart) / (rangeEnd - rangeStart) * (b - a))
    }

    /// Whether `v` lies in the domain (within a relative 1e-9 of its ends).
    public func contains(_ v: Double) -> Bool {
        let slack = 1e-9 * Swift.max(abs(lower), abs(upper))
        return v >= lower - slack && v <= upper + slack
    }

    /// The labelled tick values: ``AxisTicks/linear(_:_:count:)`` for a linear
    /// scale, the decades for a log scale (every second or third decade when
    /// the domain spans more than `maxDecades`).
    public func majorTicks(count: Int = 5, maxDecades: Int = 8) -> [Double] {
        switch kind {
        case .linear: return AxisTicks.linear(lower, upper, count: count)
        case .log: return AxisTicks.decades(lower, upper, maxCount: maxDecades)
        }
    }

    /// The attribute text of the domain, `"lower upper"`, each in shortest round-trip form.
    var domainText: String { "\(lower) \(upper)" }
    /// The attribute text of the range, `"rangeStart rangeEnd"`.
    var rangeText: String { "\(rangeStart) \(rangeEnd)" }
}
