"""Administration in the browser: people, districts, themes and the audit trail (admins only)."""
