"""Markdown boards (Obsidian Kanban): the adapter and its config; a file needs no simulator."""
