"""Asana: the adapter (the official SDK), its config, webhooks and simulator."""
