"""The email gateway: weekly digests out through an outbox, replies in over SMTP, answers in the same thread."""
