import HTTPTypes
import Hummingbird
import Logging
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeMarketplace
import ScribeSocial
import Testing

@testable import ScribeServer

/// Errors become HTTP in one place (`ErrorMiddleware`), and a client may rely on an error code
/// whichever module raised it.
@Suite("One status per error code")
struct ErrorStatusTests {
    @Test("each error code means one HTTP status, whichever module raised it")
    func oneStatusPerCode() {
        let logger = Logger(label: "test")
        var errors: [APIError] = []
        errors += CoreError.Code.allCases.map { ErrorMiddleware.apiError(for: CoreError($0, "m"), logger: logger) }
        errors += CoreAPIError.Code.allCases.map { ErrorMiddleware.apiError(for: CoreAPIError($0, "m")) }
        errors += SocialError.Code.allCases.map { ErrorMiddleware.apiError(for: SocialError($0, "m")) }
        errors += MarketplaceError.Code.allCases.map { ErrorMiddleware.apiError(for: MarketplaceError($0, "m")) }
        errors += (400...599).map { code in
            let status = HTTPResponse.Status(code: code)
            return ErrorMiddleware.apiError(for: HTTPError(status), logger: logger)
        }
        var statuses: [String: Set<Int>] = [:]
        for error in errors { statuses[error.code, default: []].insert(error.status.code) }
        #expect(statuses.filter { $0.value.count > 1 } == [:])
        #expect(statuses["invalid_input"] == [422] && statuses["bad_request"] == [400])
    }
}
