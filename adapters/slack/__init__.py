"""The Slack channel (slack_sdk), its button handler for `pairsync serve`, its simulator."""
