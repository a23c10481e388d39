"""Notifications: who is told about what (in the app and by e-mail), follows, comments, digests."""
