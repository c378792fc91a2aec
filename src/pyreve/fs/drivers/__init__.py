"""Storage drivers: bytes under keys. They know nothing of users, trees or the database."""
