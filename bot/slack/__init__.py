"""The Slack gateway: one slack-bolt AsyncApp serving every workspace, each mapped to one tenant."""
