import ScribeContracts

extension MarketplaceError {
    /// What a failed ``CoreAPI`` call means here (a ``MarketplaceError`` stays as it is).
    static func fromCore(_ error: any Error) -> MarketplaceError {
        if let error = error as? MarketplaceError { return error }
        guard let error = error as? CoreAPIError else { return MarketplaceError(.unavailable, "Core cannot answer right now.") }
        return switch error.code {
        case .notFound: MarketplaceError(.notFound, "No such listing.")
        case .forbidden: MarketplaceError(.paymentRequired, "This item is for sale; buy it to get it in full.")
        case .unauthenticated: MarketplaceError(.unauthenticated, "Log in to continue.")
        case .invalidArgument: MarketplaceError(.invalidInput, error.message)
        case .unavailable: MarketplaceError(.unavailable, "Core cannot answer right now.")
        }
    }
}
