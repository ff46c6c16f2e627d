"""Notion webhooks (filled in below)."""
