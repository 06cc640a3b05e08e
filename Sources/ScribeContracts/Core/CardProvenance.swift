/// Where a copy of a character came from, as Character Card V3 keeps it: the original's public
/// address in `data.source`. A fork on this server and a fork from another Scribe server both
/// record it this way, so a creator's credit travels with every copy.
public enum CardProvenance {
    /// The card's `data` with `source` added to its `source` list, unless already there.
    public static func adding(_ source: String, to data: [String: JSONValue]) -> [String: JSONValue] {
        var data = data
        var sources = data["source"]?.arrayValue ?? []
        if !sources.contains(.string(source)) { sources.append(.string(source)) }
        data["source"] = .array(sources)
        return data
    }
}
