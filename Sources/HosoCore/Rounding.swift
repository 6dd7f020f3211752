/// Shares as reports print them: rounded half up from the counts themselves, so that 201 of 400
/// is 50.3 % (dividing in binary first gives 0.50249999…) and 1 of 32 is 0.0313 (printf rounds
/// 0.03125 to even).
public enum Rounding {
    /// part / whole with `places` decimals, rounded half up, computed on integers. Counts are
    /// non-negative and far below the range where the products overflow.
    public static func halfUp(_ part: Int, _ whole: Int, places: Int) -> String {
        precondition(whole > 0 && part >= 0 && places >= 0)
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (2 * part * scale + whole) / (2 * whole)
        let units = scaled / scale, fraction = scaled % scale
        guard places > 0 else { return "\(units)" }
        let digits = String(fraction)
        return "\(units)." + String(repeating: "0", count: places - digits.count) + digits
    }
}
