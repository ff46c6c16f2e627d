"""The pair's record in document tools: the `Publisher` contract (`base`), the keys of a
`[[documents]]` table (`config`); the document types are registered in `adapters`."""
