"""One pair's state database: the schema and every table's statements."""
