/// Structural limits on a configuration's text, checked in one pass over its bytes before
/// any YAML or JSON parser sees it.
///
/// Yams composes, converts and checks nodes recursively and copies every alias in place, so
/// a 10 kB file of nested brackets overflows the stack and a 500-byte file of aliases of
/// aliases ("billion laughs") takes exponential time; both were found by review while fuzzing
/// the config reader (libFuzzer's inputs stay as small as its seeds). A training
/// configuration is two mappings deep and needs an alias or two at most, so the limits sit
/// far above any real file.
///
/// The pass does not parse YAML. It over-estimates the nesting from what every new level
/// needs (a `[` or `{`, a `- `, `? ` or `: ` indicator, or more indentation), counting them
/// outside comments only: quoted text is counted too, so no quote or block-scalar rule can
/// hide real structure from it. The estimate can only be too high, never too low.
enum ConfigTextLimits {
    /// Deepest estimated nesting accepted.
    static let maxDepth = 32
    /// Most aliases (`*name`) accepted: with at most this many, no chain of aliases expands
    /// a file more than a few dozen times.
    static let maxAliases = 8

    /// Throws a `ConfigError` naming the line where the text passes a limit.
    static func check(_ text: String) throws {
        let bytes = Array(text.utf8)
        var line = 1
        var flow = 0            // open [ and { (closing ones subtract; never below 0)
        var indent = 0          // leading spaces of the current line
        var leading = true      // still in the leading spaces
        var indicators = 0      // "- ", "? ", ": " on the current line
        var aliases = 0
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\n"):
                line += 1
                indent = 0
                leading = true
                indicators = 0
                i += 1
                continue
            case UInt8(ascii: " "):
                if leading { indent += 1 }
                i += 1
                continue
            case UInt8(ascii: "#") where i == 0 || isBlank(bytes[i - 1]):
                // A comment runs to the end of the line (in YAML, " #" starts one everywhere
                // except inside quoted or block text, which holds no structure either).
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flow = max(0, flow - 1)
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                if i + 1 == bytes.count || isBlank(bytes[i + 1]) || bytes[i + 1] == UInt8(ascii: "\n") { indicators += 1 }
            case UInt8(ascii: "*"):
                aliases += 1
                if aliases > maxAliases {
                    throw ConfigError("line \(line): more than \(maxAliases) aliases (*name); a configuration needs few, "
                                      + "and aliases of aliases can expand a small file without bound")
                }
            default:
                break
            }
            leading = false
            // A flow collection can hold an implicit one-pair mapping per level ("a": [...]),
            // hence two levels per bracket.
            if 2 * flow + indent + indicators + 2 > maxDepth {
                throw ConfigError("line \(line): nested deeper than \(maxDepth) levels; a configuration is two levels deep")
            }
            i += 1
        }
    }

    private static func isBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n")
    }
}
