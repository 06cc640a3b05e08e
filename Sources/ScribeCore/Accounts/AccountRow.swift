import Foundation
import PostgresNIO
import ScribeContracts

/// The public columns of `core.users` under aliases, so any query can select an account next to
/// its own columns and decode it the same way.
enum AccountRow {
    static let columns = """
        u.id AS account_id, u.username AS account_username, u.email AS account_email, u.role::text AS account_role,
        u.account_status::text AS account_status, u.created_at AS account_created_at
        """

    static func account(from row: PostgresRow) throws(CoreError) -> Account {
        let cells = row.makeRandomAccess()
        do {
            guard let role = Account.Role(rawValue: try cells["account_role"].decode(String.self)),
                let status = Account.Status(rawValue: try cells["account_status"].decode(String.self))
            else { throw CoreError(.corrupted, "an account has an unknown role or status") }
            return Account(
                id: try cells["account_id"].decode(UUID.self),
                username: try cells["account_username"].decode(String.self),
                email: try cells["account_email"].decode(String.self),
                role: role,
                status: status,
                createdAt: try cells["account_created_at"].decode(Date.self)
            )
        } catch let error as CoreError {
            throw error
        } catch {
            throw CoreError(.corrupted, "an account row could not be read")
        }
    }
}
