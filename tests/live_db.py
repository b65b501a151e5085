"""Databases for the live class's tests: a SQLite file, or a fresh database on the PostgreSQL server named by
``LOG_LOSS_LAB_TEST_PG`` (a ``postgresql+psycopg://`` URL of a superuser; ``.ci/run`` starts a throwaway cluster
and sets it). Without that variable the PostgreSQL tests skip locally and fail in CI (CI=true)."""
import contextlib
import os
import secrets

import pytest

PG_ENV = "LOG_LOSS_LAB_TEST_PG"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]


def need_postgres() -> str:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        reason = f"no PostgreSQL server: set {PG_ENV} (.ci/run starts one)"
        if IN_CI:
            pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
        pytest.skip(reason)
    return url


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path):
    """A URL of an empty database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}"
        return
    import sqlalchemy as sa

    server = need_postgres()
    name = "live_test_" + secrets.token_hex(6)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
