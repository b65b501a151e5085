"""The live class's store: rooms, the question open in each, and the students' anonymous answers.

A teacher opens a room and gets a short code (for students) and a secret key (for the teacher's own link); only the
key's SHA-256 is stored. Each question the teacher asks is a new *round* of the room; a student's answer to it is one
row keyed by (room, round, student), replaced when the student changes it, so a tally counts each student once. The
store keeps only what the tally needs: no names, no addresses, no text — a student is a random token made by their
browser's session, an answer is a choice's index or a number. Asking the next question drops the previous round's
answers; a room and its answers are removed a day after the room was opened (:meth:`Store.purge`, called whenever a
room is opened).

Storage is SQLAlchemy Core on SQLite by default (one file, WAL journal so readers never wait for the writer) or any
URL SQLAlchemy knows, e.g. ``postgresql+psycopg://…`` where several server processes share one class.

Errors, at the public edge: a wrong key raises ``PermissionError``; an unknown or expired room, a question that is not
open, an unknown question or an answer it cannot take raise ``ValueError`` naming it; a database that cannot be
reached or stays locked raises :class:`Unavailable` (nothing is half-written: every call is one transaction).

>>> store = Store("sqlite://")
>>> code, key = store.open_room()
>>> round_ = store.ask(code, key, "certain_mistake")
>>> store.answer(code, round_, "student-a", 3); store.answer(code, round_, "student-a", 2)
>>> store.tally(code).counts
{2.0: 1}
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from lib import class_questions

ROOM_LIFETIME = 24 * 3600.0  # seconds: a room and its answers are removed a day after it was opened
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from a projector
CODE_LENGTH = 5  # 32⁵ ≈ 34 million codes: guessing a live one is hopeless, typing one is easy
STUDENT_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,40}")
STATES = ("waiting", "open", "closed", "revealed")
DEFAULT_SQLITE = Path(__file__).resolve().parents[1] / ".data" / "live_class.sqlite3"

metadata = sa.MetaData()
rooms = sa.Table(
    "live_rooms", metadata,
    sa.Column("code", sa.String(CODE_LENGTH), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("round", sa.Integer, nullable=False, default=0),
    sa.Column("question", sa.String(64), nullable=True),
    sa.Column("state", sa.String(8), nullable=False, default="waiting"),
)
answers = sa.Table(
    "live_answers", metadata,
    sa.Column("code", sa.String(CODE_LENGTH), sa.ForeignKey("live_rooms.code", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),
    sa.Column("student", sa.String(40), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)


class Unavailable(RuntimeError):
    """The database could not be reached, or stayed locked past the wait (nothing was written)."""


@dataclass(frozen=True)
class Room:
    """What every view of a room needs: its code, the round (0 before the first question), the open question's id
    and the state, one of ``STATES``."""

    code: str
    round: int
    question: str | None
    state: str
    created: float


@dataclass(frozen=True)
class Tally:
    """The answers of one round: ``counts`` maps each distinct answer (a choice's index or a number) to how many
    students gave it; ``total`` is the number of students who answered."""

    code: str
    round: int
    counts: dict[float, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def database_url() -> str:
    """``LOG_LOSS_LAB_DB`` if set, else the SQLite file in the repository's git-ignored ``.data`` folder."""
    import os

    url = os.environ.get("LOG_LOSS_LAB_DB", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE}"


def _engine(url: str, lock_wait: float) -> sa.Engine:
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)  # the default's .data folder on a fresh clone
        engine = sa.create_engine(url, connect_args={"timeout": lock_wait, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # WAL: readers (every polling phone) never wait for the one writer; NORMAL sync is durable at each
            # checkpoint and loses no committed answer on a process crash; foreign keys make the purge cascade
            cur = dbapi_connection.cursor()
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(lock_wait * 1000)}")
            cur.close()

        return engine
    # a server that does not answer must not hang a student's page: fail within seconds, as Unavailable
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                            connect_args={"connect_timeout": max(1, int(lock_wait))})


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Store:
    """The live class's rooms and answers in one database (see the module's docstring).

    Args:
        url: a SQLAlchemy URL; None for :func:`database_url`.
        clock: seconds since the epoch (tests pass their own to age rooms).
        lock_wait: how long a call waits for a locked database or a connection before raising ``Unavailable``.
    """

    def __init__(self, url: str | None = None, *, clock=time.time, lock_wait: float = 5.0):
        self.url = url or database_url()
        self.clock = clock
        self.engine = _engine(self.url, lock_wait)
        self._memo: dict[tuple, tuple[float, object]] = {}
        self._memo_lock = threading.Lock()
        with self._db() as conn:
            metadata.create_all(conn)

    # ------------------------------------------------------------------ plumbing
    def _db(self):
        """A transaction whose database errors surface as ``Unavailable``."""
        return _Transaction(self.engine)

    def _row(self, conn, code: str):
        code = normal_code(code)
        row = conn.execute(sa.select(rooms).where(rooms.c.code == code)).first()
        if row is None or row.created < self.clock() - ROOM_LIFETIME:
            raise ValueError(f"room {code!r} does not exist or has expired (rooms last a day)")
        return row

    def _teacher(self, conn, code: str, key: str):
        row = self._row(conn, code)
        if not isinstance(key, str) or not hmac.compare_digest(_hash(key), row.key_hash):
            raise PermissionError(f"that key does not open room {row.code!r}: only its teacher can")
        return row

    # ------------------------------------------------------------------ the teacher
    def check_key(self, code: str, key: str) -> None:
        """``PermissionError`` unless ``key`` is the room's teacher key (``ValueError`` for an unknown room)."""
        with self._db() as conn:
            self._teacher(conn, code, key)

    def open_room(self) -> tuple[str, str]:
        """A new room: (code, key). Rooms older than a day are removed first."""
        self.purge()
        key = secrets.token_urlsafe(18)
        for _ in range(20):  # a clash among 34 million codes is rare; try again rather than fail
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self._db() as conn:
                    conn.execute(rooms.insert().values(code=code, key_hash=_hash(key), created=self.clock(),
                                                       round=0, question=None, state="waiting"))
                return code, key
            except sa_exc.IntegrityError:
                continue
        raise Unavailable("could not find a free room code")

    def ask(self, code: str, key: str, question_id: str) -> int:
        """Open ``question_id`` as the room's next round (the previous round's answers are dropped); its number."""
        class_questions.get(question_id)  # ValueError naming an unknown question
        with self._db() as conn:
            row = self._teacher(conn, code, key)
            conn.execute(answers.delete().where(answers.c.code == row.code))
            new_round = row.round + 1
            conn.execute(rooms.update().where(rooms.c.code == row.code)
                         .values(round=new_round, question=question_id, state="open"))
        self._forget(row.code)
        return new_round

    def close(self, code: str, key: str) -> None:
        """Stop taking answers to the open question (its answers stay for the tally and the reveal)."""
        self._move(code, key, ("open", "closed"), "closed")

    def reveal(self, code: str, key: str) -> None:
        """Show the right answer: closes the question if it is still open."""
        self._move(code, key, ("open", "closed", "revealed"), "revealed")

    def _move(self, code: str, key: str, allowed: tuple[str, ...], to: str) -> None:
        with self._db() as conn:
            row = self._teacher(conn, code, key)
            if row.state not in allowed:
                raise ValueError(f"room {row.code!r} has no question to {'close' if to == 'closed' else 'reveal'}")
            conn.execute(rooms.update().where(rooms.c.code == row.code).values(state=to))
        self._forget(row.code)

    # ------------------------------------------------------------------ everyone
    def room(self, code: str, max_age: float = 0.0) -> Room:
        """The room's state. ``max_age`` > 0 lets many viewers in one process share one read that recent."""
        code = normal_code(code)

        def read():
            with self._db() as conn:
                row = self._row(conn, code)
            return Room(row.code, row.round, row.question, row.state, row.created)

        return self._memoized(("room", code), max_age, read)

    def answer(self, code: str, round_: int, student: str, value: float) -> None:
        """Record ``student``'s answer to round ``round_`` (replacing their earlier one).

        ``value`` is a choice's index or a number, checked against the question. The row is written only if that
        round is still the room's open one, in the same statement (on PostgreSQL it holds the room's row so a
        teacher's close waits for it), so no answer lands after the close.
        """
        if not isinstance(student, str) or not STUDENT_TOKEN.fullmatch(student):
            raise ValueError("the student's token is not a valid one")
        with self._db() as conn:
            row = self._row(conn, code)
            if row.round != round_ or row.state != "open":
                raise ValueError(f"question {round_} of room {row.code!r} is closed")
            value = class_questions.get(row.question).check(value)
            source = (sa.select(sa.literal(row.code), sa.literal(round_), sa.literal(student), sa.literal(value))
                      .where(rooms.c.code == row.code, rooms.c.round == round_, rooms.c.state == "open")
                      .with_for_update(read=True, of=rooms))
            stmt = _insert(self.engine)(answers).from_select(["code", "round", "student", "value"], source)
            stmt = stmt.on_conflict_do_update(index_elements=["code", "round", "student"],
                                              set_={"value": stmt.excluded.value})
            if conn.execute(stmt).rowcount == 0:
                raise ValueError(f"question {round_} of room {row.code!r} is closed")

    def tally(self, code: str, max_age: float = 0.0, round_: int | None = None) -> Tally:
        """The answers to the room's current round, counted by value. A shared read (``max_age`` > 0) of another
        round than ``round_`` is not used: a view of round 3 never gets round 2's counts."""
        code = normal_code(code)
        if round_ is not None and max_age > 0:
            with self._memo_lock:
                hit = self._memo.get(("tally", code))
            if hit is not None and hit[1].round != round_:
                max_age = 0.0

        def read():
            with self._db() as conn:
                row = self._row(conn, code)
                result = conn.execute(
                    sa.select(answers.c.value, sa.func.count()).where(answers.c.code == row.code,
                                                                      answers.c.round == row.round)
                    .group_by(answers.c.value))
                counts = {float(v): int(n) for v, n in result}
            return Tally(row.code, row.round, dict(sorted(counts.items())))

        return self._memoized(("tally", code), max_age, read)

    def purge(self) -> int:
        """Remove rooms opened more than a day ago, with their answers; how many rooms went."""
        with self._db() as conn:
            old = rooms.c.created < self.clock() - ROOM_LIFETIME
            # answers first: SQLite honours the cascade only where foreign keys are on, so do not rely on it
            conn.execute(answers.delete().where(answers.c.code.in_(sa.select(rooms.c.code).where(old))))
            return conn.execute(rooms.delete().where(old)).rowcount

    # ------------------------------------------------------------------ a short shared memory per process
    def _memoized(self, key: tuple, max_age: float, read):
        """``read()``, or a read shared within ``max_age`` seconds. Every read, fresh ones too, becomes the shared
        copy unless a later-started one is there already: a watcher's fresh look at a room is what the viewers it
        wakes then share (``ui.tuning`` "bell")."""
        now = time.monotonic()
        if max_age > 0:
            with self._memo_lock:
                hit = self._memo.get(key)
            if hit is not None and now - hit[0] <= max_age:
                return hit[1]
        value = read()
        with self._memo_lock:
            if key not in self._memo or self._memo[key][0] <= now:  # never replace a newer read with an older one
                self._memo[key] = (now, value)
            if len(self._memo) > 2000:  # rooms come and go: keep the memory bounded
                self._memo.clear()
        return value

    def _forget(self, code: str) -> None:
        """A teacher's change is seen at once in this process (other processes see it within their max_age)."""
        with self._memo_lock:
            self._memo.pop(("room", code), None)
            self._memo.pop(("tally", code), None)


def normal_code(code) -> str:
    """A room code as typed (any case, spaces) in its stored form; ValueError when it cannot be one."""
    text = re.sub(r"[\s-]", "", str(code or "")).upper()
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        shown = text[:12] + ("…" if len(text) > 12 else "")
        raise ValueError(f"room {shown!r} does not exist: a room code is {CODE_LENGTH} letters and digits")
    return text


def _insert(engine: sa.Engine):
    """The dialect's INSERT, which has ON CONFLICT DO UPDATE (SQLite ≥ 3.24 and PostgreSQL spell it alike)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise ValueError(f"the live class supports SQLite and PostgreSQL, not {engine.dialect.name!r}")
    return insert


_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)  # unreachable, locked, timed out


class _Transaction:
    """``engine.begin()`` whose operational errors (unreachable, locked, timed out) become ``Unavailable``."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.ctx = None

    def __enter__(self):
        try:
            self.ctx = self.engine.begin()
            return self.ctx.__enter__()
        except _DOWN as e:
            raise Unavailable(_reason(e)) from e

    def __exit__(self, kind, error, tb):
        try:
            self.ctx.__exit__(kind, error, tb)  # commits, or rolls back
        except _DOWN as e:  # the commit failed
            raise Unavailable(_reason(e)) from e
        if isinstance(error, _DOWN):  # a statement failed (rolled back above)
            raise Unavailable(_reason(error)) from error
        return False


def _reason(e: Exception) -> str:
    text = str(getattr(e, "orig", e)).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"the class's database is not answering ({text[:120]})"


__all__ = ["Store", "Room", "Tally", "Unavailable", "normal_code", "database_url", "ROOM_LIFETIME", "STATES"]
