"""The shared store: SQLModel schema, queries and Alembic migrations (SQLite and PostgreSQL)."""
