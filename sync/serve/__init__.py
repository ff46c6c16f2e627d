"""`pairsync serve`: webhooks, Slack buttons and polling in one long-running process,
with a status page, `/healthz` and `/metrics`."""
