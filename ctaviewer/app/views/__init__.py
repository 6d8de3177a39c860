"""Qt views: each takes the session model and subscribes to its signals."""
