"""Caches every session shares: a page's cached functions, wrapped once per process, and gradient-descent runs."""
from __future__ import annotations

import streamlit as st

from ui.runs import RUN_LOCK

_PAGE_CACHES: dict[tuple, object] = {}


def cached(max_entries: int):
    """``st.cache_resource`` (shared by every session, no spinner) for a function defined in a page file, wrapped
    once per process instead of at every rerun.

    A page file runs again at every rerun, and a decorator in it with it: Streamlit's reads the function's source
    to key its cache at every interaction (docs/performance.md). Here the wrapper is kept per file, name and code
    object: a function edited while the server runs gets a fresh cache, as it would from Streamlit. The first run's
    function is the one kept, so it must take what it needs from its arguments, imported modules and other cached
    functions — never from the page's per-run variables. As in Streamlit, arguments whose names start with "_" are
    not hashed: pass a big argument that way beside a short string that identifies it (cheaper to hash).
    """
    def wrap(func):
        code = func.__code__
        key = (code.co_filename, func.__qualname__, code)
        if key not in _PAGE_CACHES:
            _PAGE_CACHES[key] = _computed_once(st.cache_resource(max_entries=max_entries, show_spinner=False)(func),
                                               key, code.co_varnames[:code.co_argcount])
        return _PAGE_CACHES[key]

    return wrap


def _computed_once(compute, name, params: tuple[str, ...]):
    """``compute``, a cached function, called under ``RUN_LOCK.computing`` (its body may step aside): the value is
    named by its text arguments other than "_" ones (a settings repr here), no finer than the cache's key."""
    def call(*args, **kwargs):
        texts = tuple(a for p, a in zip(params, args, strict=False) if not p.startswith("_") and isinstance(a, str))
        texts += tuple(kv for kv in sorted(kwargs.items()) if not kv[0].startswith("_") and isinstance(kv[1], str))
        with RUN_LOCK.computing((name, texts)):
            return compute(*args, **kwargs)

    call.clear = compute.clear
    return call


def run_experiment(key: str, _fields: dict):
    """``lib.experiment.run`` once per settings, shared by every session and page (a class on one link hits it). A
    resource cache hands out the one result instead of a pickled copy per hit; nothing mutates it. ``key`` is the
    settings' repr (every field exactly) and keys the cache; the fields themselves are not hashed. Training steps
    aside for other students' moves (``RunLock.checkpoint``)."""
    with RUN_LOCK.computing(("experiment", key)):
        return _experiment(key, _fields)


@st.cache_resource(max_entries=128, show_spinner=False)
def _experiment(key: str, _fields: dict):
    from lib import experiment

    return experiment.run(experiment.Settings(**_fields), tick=RUN_LOCK.checkpoint)
