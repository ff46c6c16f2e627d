"""The Slack simulator: a stateful loopback HTTP server checked against the API spec."""
