"""One pair's state: the `State` interface, its typed rows, and the SQLite backend that
holds every SQL statement of pairsync (`sync.store.sqlite`)."""
