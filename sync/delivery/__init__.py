"""Facilitation delivered: the agenda, notices to the channels, sending, chat buttons."""
