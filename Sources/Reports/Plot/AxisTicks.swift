import Foundation

/// Tick values and their labels, chosen as "nice" numbers: 1, 2 or 5 times
/// a power of ten (and 2.5 for linear steps).
///
/// Values are built from their decimal text (`Double("3e-1")`), so a tick
/// is the double nearest to the decimal it stands for: 0.3, never
/// 0.30000000000000004.
public enum AxisTicks {
    /// The nice step for about `count` intervals over `lower...upper`:
    /// mantissa (1, 2, 25 or 5; 25 meaning 2.5) and decimal exponent.
    static func niceStep(_ lower: Double, _ upper: Double, count: Int) -> (mantissa: Int, exponent: Int) {
        let raw = (upper - lower) / Double(max(count, 1))
        guard raw > 0, raw.isFinite else { return (1, 0) }
        var e = Int(floor(log10(raw)))
        let f = raw / pow(10, Double(e))
        let m: Int
        if f <= 1 { m = 1 } else if f <= 2 { m = 2 } else if f <= 2.5 { m = 25; e -= 1 } else if f <= 5 { m = 5 } else { m = 1; e += 1 }
        return (m, e)
    }

    /// The double nearest to the decimal `k × 10^e`.
    static func decimal(_ k: Int, _ e: Int) -> Double { Double("\(k)e\(e)")! }

    /// Ticks at multiples of a nice step inside `lower...upper`, about `count` intervals apart.
    ///
    /// For example `linear(0, 1, count: 5)` is 0, 0.2, 0.4, 0.6, 0.8, 1 and
    /// `linear(0.13, 0.98, count: 5)` is 0.2, 0.4, 0.6, 0.8.
    public static func linear(_ lower: Double, _ upper: Double, count: Int = 5) -> [Double] {
        let (m, e) = niceStep(lower, upper, count: count)
        let step = decimal(m, e)
        let first = Int(ceil(lower / step - 1e-9)), last = Int(floor(upper / step + 1e-9))
        guard first <= last else { return [] }
        return (first...last).map { decimal($0 * m, e) }
    }

    /// The domain `lower...upper` widened to the nearest multiples of its nice step.
    public static func niceDomain(_ lower: Double, _ upper: Double, count: Int = 5) -> (lower: Double, upper: Double) {
        let (m, e) = niceStep(lower, upper, count: count)
        let step = decimal(m, e)
        return (decimal(Int(floor(lower / step + 1e-9)) * m, e), decimal(Int(ceil(upper / step - 1e-9)) * m, e))
    }

    /// The powers of ten inside `lower...upper` (both positive). When there are more
    /// than `maxCount`, every second, third, … one, keeping 10⁰ when present.
    ///
    /// For example `decades(30, 3000)` is 100, 1000.
    public static func decades(_ lower: Double, _ upper: Double, maxCount: Int = 8) -> [Double] {
        guard lower > 0, upper >= lower else { return [] }
        let a = Int(ceil(log10(lower) - 1e-9)), b = Int(floor(log10(upper) + 1e-9))
        guard a <= b else { return [] }
        let n = b - a + 1
        let every = max(1, Int((Double(n) / Double(max(maxCount, 1))).rounded(.up)))
        return (a...b).filter { (($0 % every) + every) % every == 0 }.map { decimal(1, $0) }
    }

    /// The values `m × 10^k` inside `lower...upper` for each multiplier `m` (such as 2 and 5),
    /// in increasing order.
    ///
    /// For example `logMultiples(30, 3000, [2, 5])` is 50, 200, 500, 2000.
    public static func logMultiples(_ lower: Double, _ upper: Double, _ multipliers: [Int]) -> [Double] {
        guard lower > 0, upper >= lower else { return [] }
        let a = Int(floor(log10(lower))) - 1, b = Int(ceil(log10(upper)))
        var out: [Double] = []
        for k in a...b {
            for m in multipliers {
                let v = decimal(m, k)
                if v >= lower * (1 - 1e-12) && v <= upper * (1 + 1e-12) { out.append(v) }
            }
        }
        return out.sorted()
    }

    /// The label of a linear tick `value` on an axis whose ticks are `step` apart:
    /// as many decimals as the step needs, a minus sign (U+2212) for negatives.
    public static func linearLabel(_ value: Double, step: Double) -> String {
        var decimals = 0
        var s = abs(step)
        while decimals < 12 && abs(s - s.rounded()) > 1e-9 * max(1, s) { s *= 10; decimals += 1 }
        let v = abs(value) < step * 1e-9 ? 0 : value
        let text = String(format: "%.\(decimals)f", v)
        return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
    }

    /// Whether log labels between `lower` and `upper` are written as plain decimals
    /// (0.01 to 99 999) rather than powers of ten.
    public static func plainLogLabels(_ lower: Double, _ upper: Double) -> Bool {
        lower >= 0.01 * (1 - 1e-12) && upper < 1e5
    }

    /// The label of a log tick `value`: a plain decimal (`"20"`, `"0.05"`, `"1000"`) when
    /// `plain`, otherwise a power of ten with superscript digits (`"10⁵"`, `"10⁻³"`).
    public static func logLabel(_ value: Double, plain: Bool) -> String {
        if plain {
            if value >= 1 { return String(Int(value.rounded())) }
            let decimals = max(0, Int(ceil(-log10(value) - 1e-9)))
            return String(format: "%.\(decimals)f", value)
        }
        let k = Int(log10(value).rounded())
        if abs(value - decimal(1, k)) <= 1e-9 * value { return "10" + superscript(k) }
        let m = Int((value / decimal(1, k - (value < decimal(1, k) ? 1 : 0))).rounded())
        return "\(m)·10" + superscript(value < decimal(1, k) ? k - 1 : k)
    }

    /// `k` in Unicode superscript digits (with a superscript minus).
    static func superscript(_ k: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(abs(k)).map { digits[Int(String($0))!] }
        return (k < 0 ? "⁻" : "") + String(body)
    }
}
