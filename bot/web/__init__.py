"""The web app: Slack routes, health and metrics (connectors add their pages here too)."""
