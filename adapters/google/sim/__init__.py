"""The Google simulator: Sheets, Drive and Docs with an OAuth token endpoint
(`pairsync simulate google`)."""
