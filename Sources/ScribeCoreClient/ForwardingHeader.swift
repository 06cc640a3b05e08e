/// Scribe's own headers on a request one of its processes sends another on a client's behalf
/// (the social process's proxy, the pages' marketplace client): who sent it (a ``ServiceToken``)
/// and which client it came from. A client cannot set them: the sender replaces them, and the
/// receiving process trusts them only with a valid token.
public enum ForwardingHeader {
    public static let forwardedBy = "Scribe-Forwarded-By"
    public static let clientAddress = "Scribe-Client-Address"
}
