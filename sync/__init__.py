"""pairsync: one shared board between an executive and their assistant, in every tool."""
