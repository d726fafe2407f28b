import Yams

/// The YAML that Yams' converters trap on instead of throwing, refused on the composed node
/// before they run. Both were found by fuzzing the config reader (`make fuzz`):
///
/// - a key that is itself a mapping or a list (`{{}: 1}`): `Yams.load` force-unwraps every
///   key as a string;
/// - a YAML 1.1 base-60 integer (`1:30` is 90) too large for 64 bits
///   (`184467440737095516:15`, or twelve or more `:` groups): Yams folds the groups with
///   unchecked arithmetic, both in `load` and when decoding an integer field.
enum YamsTraps {
    /// Throws a `ConfigError` naming the line of the first such key or number.
    static func check(_ node: Node) throws {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                if key.scalar == nil {
                    throw ConfigError("line \(key.mark?.line ?? 0): a key must be a name, not a \(key.mapping != nil ? "mapping" : "list")")
                }
                try check(key)
                try check(value)
            }
        case .sequence(let sequence):
            for item in sequence { try check(item) }
        case .scalar(let scalar):
            // Quoted text is never read as a number.
            if (scalar.style == .plain || scalar.style == .any) && base60Overflows(scalar.string) {
                throw ConfigError("line \(scalar.mark?.line ?? 0): '\(scalar.string)' is a base-60 number (YAML 1.1) "
                                  + "too large for 64 bits; quote it if it is text")
            }
        }
    }

    /// Whether Yams' base-60 reading of `text` as an integer overflows: it drops `_`, keeps
    /// a sign, reads text starting with 0 in another radix (checked), and otherwise sums the
    /// `:`-separated groups that parse as integers, last group first, times 60^k. Checked as
    /// Int and as UInt64, the integer types a configuration decodes.
    static func base60Overflows(_ text: String) -> Bool {
        guard text.contains(":") else { return false }
        var digits = Substring(text.filter { $0 != "_" })
        let negative = digits.hasPrefix("-")
        if negative || digits.hasPrefix("+") { digits = digits.dropFirst() }
        if digits.hasPrefix("0") { return false }
        let groups = digits.split(separator: ":", omittingEmptySubsequences: false)
        return overflows(groups.compactMap { Int($0, radix: 10) }, negative: negative)
            || (!negative && overflows(groups.compactMap { UInt64($0, radix: 10) }, negative: false))
    }

    private static func overflows<T: FixedWidthInteger>(_ groups: [T], negative: Bool) -> Bool {
        var base: T = 1, value: T = 0
        for group in groups.reversed() {
            let (term, o1) = group.multipliedReportingOverflow(by: base)
            let (sum, o2) = value.addingReportingOverflow(term)
            let (next, o3) = base.multipliedReportingOverflow(by: 60)
            if o1 || o2 || o3 { return true }
            value = sum
            base = next
        }
        return negative && value == T.min
    }
}
