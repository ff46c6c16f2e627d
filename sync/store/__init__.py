"""One pair's state: the `State` interface, its typed rows, and its backends: SQLite by
default (`sync.store.sqlite`), PostgreSQL for many machines (`sync.store.postgres`)."""
