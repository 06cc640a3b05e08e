import ScribeStorage
import Testing

@Suite("Splitting migration files into statements")
struct SQLScriptTests {
    @Test("splits on top-level semicolons and drops empty statements and comments")
    func splitsStatements() {
        let statements = SQLScript.statements(in: "CREATE TABLE a (x int);\n\n-- a comment\n;CREATE TABLE b (y int);\n")
        #expect(statements == ["CREATE TABLE a (x int)", "CREATE TABLE b (y int)"])
    }

    @Test("keeps semicolons inside string literals, quoted identifiers and comments")
    func keepsQuotedSemicolons() {
        let script = """
            INSERT INTO t VALUES ('a;b', 'it''s; fine');
            CREATE TABLE "odd;name" (x int); -- trailing; comment
            /* block; /* nested; */ still comment; */ SELECT 1;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 3)
        #expect(statements[0] == "INSERT INTO t VALUES ('a;b', 'it''s; fine')")
        #expect(statements[1] == "CREATE TABLE \"odd;name\" (x int)")
        #expect(statements[2].hasSuffix("SELECT 1"))
    }

    @Test("keeps dollar-quoted bodies whole, with or without a tag")
    func keepsDollarQuotedBodies() {
        let script = """
            DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $1;
            """
        let statements = SQLScript.statements(in: script)
        #expect(
            statements == [
                "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "SELECT $1",
            ]
        )
    }
}
