import Foundation

/// SplitMix64: tiny, fast, deterministic. The whole data set is derived from it, so the
/// same seed always gives byte-identical data.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<1.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in range.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }

    /// A stateless hash of (seed, n): used for per-request fault decisions, so that the
    /// n-th request gets the same fate whatever happened before it.
    static func hash(_ seed: UInt64, _ n: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (n &* 0xD6E8_FEB8_6659_FD93))
        _ = g.next()
        return g.next()
    }
}
