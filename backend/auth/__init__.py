"""Authentication (argon2 passwords, RS256 JWT with key ids) and authorisation (roles, site scope)."""
