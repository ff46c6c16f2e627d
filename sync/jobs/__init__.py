"""Many machines: every pair's sync a job in PostgreSQL's procrastinate queue, taken by
`pairsync worker` processes anywhere (`sync.jobs.queue`), deferred by the periodic tick
(`sync.jobs.due`), by `serve`'s webhooks and by Slack's buttons."""
