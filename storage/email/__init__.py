"""Email answers given, counted for the per-token, per-sender and stranger limits."""
