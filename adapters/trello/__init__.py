"""Trello: the adapter (py-trello), its config, webhooks and simulator."""
