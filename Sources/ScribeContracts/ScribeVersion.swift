/// The version of this build of Scribe, declared here and nowhere else: NodeInfo reports it as
/// `software.version`, every request Scribe sends to another server names it in `User-Agent`,
/// the OpenAPI document states it, and `scribe --version` prints it. A release changes this line.
public enum ScribeVersion {
    public static let current = "0.2.0"
}
