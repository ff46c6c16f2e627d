"""Microsoft Teams: the channel (a Workflows webhook) and its simulator."""
