"""Short-lived shared state: captcha answers, 2FA sessions, reset secrets, revocations, rate counters.

Three stores behind one interface: in memory (one worker), the database (several workers, no Redis)
and Redis. All pass the same tests (tests/integration/test_kv.py).
"""

from pyreve.kv.base import KVStore

__all__ = ["KVStore"]
