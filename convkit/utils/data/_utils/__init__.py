"""The DataLoader's internals: collation, fetching and the worker processes."""

from . import collate, fetch, worker

# How often (seconds) a waiting worker checks that its parent is alive, and a waiting main
# process checks that its workers are.
MP_STATUS_CHECK_INTERVAL = 1.0

__all__ = ["MP_STATUS_CHECK_INTERVAL", "collate", "fetch", "worker"]
