-- Nothing to do on SQLite: an INTEGER PRIMARY KEY is 64-bit already. PostgreSQL's migration of the
-- same name widens the metric tables' ids, which the schema (shared by both engines) keeps as Int.
SELECT 1;
