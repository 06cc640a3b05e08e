import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// What moderators see and do: the marketplace's reports (hide a listing, remove a review,
/// dismiss), hidden items, reports that came from other servers, blocked domains, and how
/// delivery to other servers is going.
public struct ModerationPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let marketplace: any MarketplaceAPI
    let social: SocialModule

    public init(pages: Pages, marketplace: any MarketplaceAPI, social: SocialModule) {
        self.pages = pages
        self.marketplace = marketplace
        self.social = social
    }

    struct Moderation {
        var reports: [ReportLine]
        var hidden: [HiddenItem]
        var federated: [ScribeSocial.Reports.Report]
        var domains: [DomainBlocks.Block]
        var federation: FederationHealth.Report
    }

    struct ReportLine {
        var id: String
        var subject: String
        var itemName: String
        var itemURL: String
        var reason: String
        var date: String
        var isListing: Bool
    }

    public func add(to router: Router<Context>) {
        let router = router.group("moderation", context: SignedIn<Context>.self)
        router.get(use: show)
        router.post("reports/:id", use: decide)
        router.post("hidden/:id/restore", use: restore)
        router.post("federated/:id/resolve", use: resolveFederatedReport)
        router.post("domains", use: blockDomain)
    }

    @Sendable func show(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let actor = try Self.moderator(context)
        let reports = try await marketplace.reportQueue(by: actor).map {
            ReportLine(
                id: $0.id.uuidString.lowercased(),
                subject: $0.subject,
                itemName: $0.itemName,
                itemURL: "/\($0.itemKind)s/\($0.itemID.uuidString.lowercased())",
                reason: $0.reason,
                date: ItemView.date($0.createdAt),
                isListing: $0.subject == "listing"
            )
        }
        let page = Moderation(
            reports: reports,
            hidden: try await marketplace.hiddenItems(by: actor),
            federated: try await social.reports.open(),
            domains: try await social.domainBlocks.list(),
            federation: try await social.federationHealth.report()
        )
        return pages.render("moderation", title: "Moderation", page: page, request: request, context: context.request)
    }

    @Sendable func decide(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        guard let decision = ReportDecision(rawValue: form["decision"]) else {
            throw MarketplaceError(.invalidInput, "Choose hide, remove_review or dismiss.")
        }
        try await marketplace.resolveReport(try context.uuidParameter(notFound: "No such report."), decision, by: try Self.moderator(context))
        return Pages.redirect("/moderation", notice: "Done.")
    }

    @Sendable func restore(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        _ = try await WebForm.read(request, context: context.request)
        try await marketplace.restoreItem(try context.uuidParameter(notFound: "No such hidden item."), by: try Self.moderator(context))
        return Pages.redirect("/moderation", notice: "Restored.")
    }

    @Sendable func resolveFederatedReport(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        _ = try await WebForm.read(request, context: context.request)
        _ = try Self.moderator(context)
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw MarketplaceError(.notFound, "No such report.") }
        try await social.reports.resolve(id)
        return Pages.redirect("/moderation", notice: "Resolved.")
    }

    @Sendable func blockDomain(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        _ = try Self.moderator(context)
        if form["action"] == "unblock" {
            try await social.domainBlocks.unblock(form["domain"])
        } else {
            try await social.domainBlocks.block(form["domain"], reason: form["reason"].nilIfEmpty)
        }
        return Pages.redirect("/moderation", notice: form["action"] == "unblock" ? "Unblocked \(form["domain"])." : "Blocked \(form["domain"]).")
    }

    static func moderator(_ context: SignedIn<Context>) throws -> MarketplaceCaller {
        let actor = context.request.marketplaceCaller
        guard actor.isModerator else { throw MarketplaceError(.forbidden, "Only moderators see this page.") }
        return actor
    }
}
