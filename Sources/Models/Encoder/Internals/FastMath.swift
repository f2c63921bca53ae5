/// Vectorised float32 exp and Φ (the standard normal CDF) for the encoder's
/// element-wise kernels, eight lanes at a time; the scalar forms run the
/// same lane arithmetic on a splat, so every element gets the same value
/// whichever way it is reached.
///
/// - exp: Cody–Waite reduction x = k·ln2 + r with ln2 split in two, then
///   Cephes' degree-6 polynomial for e^r (relative error ≲ 2 ulp), argument
///   clamped to [−87.3, 88.3] (no infinities; e^−87.3 ≈ 1.2e−38).
/// - Φ(x) = ½·erfc(−x/√2) with Numerical Recipes' Chebyshev erfc (fractional
///   error < 1.2e−7 in exact arithmetic for every argument), using
///   erfc(−z) = 2 − erfc(z), so Φ keeps its relative accuracy far in the left tail.
enum FastMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ x0: V) -> V {
        var x = x0.replacing(with: -87.3, where: x0 .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
        // Round to nearest even by adding 1.5·2²³: the float's low mantissa bits then hold k.
        let magic = V(repeating: 0x1.8p23)
        let shifted = x * 1.44269504088896341 + magic
        let k = shifted - magic
        var r = x - k * 0.693359375
        r = r + k * 2.12194440e-4
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let ki = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let bits = (ki &+ 127) &<< 23
        return y * unsafeBitCast(bits, to: V.self)
    }

    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }

    /// erfc(z) for z ≥ 0.
    @inline(__always)
    static func erfcPositive(_ z: V) -> V {
        let t = 1 / (1 + 0.5 * z)
        var p = V(repeating: 0.17087277)
        p = p * t - 0.82215223
        p = p * t + 1.48851587
        p = p * t - 1.13520398
        p = p * t + 0.27886807
        p = p * t - 0.18628806
        p = p * t + 0.09678418
        p = p * t + 0.37409196
        p = p * t + 1.00002368
        p = p * t - 1.26551223
        return t * exp(p - z * z)
    }

    /// Φ(x), the standard normal CDF.
    @inline(__always)
    static func phi(_ x: V) -> V {
        let negative = x .< 0
        let z = x.replacing(with: -x, where: negative) * 0.70710678118654752
        let half = 0.5 * erfcPositive(z)
        return (1 - half).replacing(with: half, where: negative)
    }

    /// tanh(y) = 1 − 2/(e^{2y} + 1) (limits ±1 through the clamp; absolute, not relative,
    /// accuracy near 0: for 1 + tanh only).
    @inline(__always)
    static func tanh(_ y: V) -> V { 1 - 2 / (exp(2 * y) + 1) }
}
