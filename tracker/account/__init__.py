"""Each user's own account: name, password, recent sign-ins; and one-time set-password links."""
