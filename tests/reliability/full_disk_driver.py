"""Run inside a private mount namespace with a small tmpfs at argv[1] (test_resource_limits): a hook
meets a really full file system. Prints what happened as JSON."""

import json
import os
import sys
from pathlib import Path

from reliability_support import bash_persisted_event, handle_of, hook_env, log_text, printed_handle, start_hook

from ctxlean.store import open_store
from ctxlean.store.gc import collect

mount, work = Path(sys.argv[1]), Path(sys.argv[2])
project = str(work / "proj")
os.makedirs(project, exist_ok=True)
env = hook_env(mount / "store")
result = {}

event, kept = bash_persisted_event(work / "t_kept.txt", log_text(1, 300_000), project)
kept_out = start_hook(event, work, "t_kept", env).communicate()[0]
result["kept_handle_printed"] = printed_handle(kept_out) == handle_of(kept)

filler = mount / "filler"
with open(filler, "wb") as fh:  # leave about 1 MB free
    stat = os.statvfs(mount)
    fh.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - (1 << 20)))
event, _ = bash_persisted_event(work / "t_full.txt", os.urandom(3 << 20).hex(), project)
proc = start_hook(event, work, "t_full", env)
out, err = proc.communicate()
result.update(full_exit=proc.returncode, full_stdout=out.decode(), full_stderr=err.decode())

filler.unlink()
with open_store(mount / "store" / "store.sqlite3") as store:
    result["integrity"] = store.db.execute("PRAGMA integrity_check").fetchone()[0]
    result["after_refill"] = "retrievable" if store.read_bytes(handle_of(kept), project) == kept else "lost"
    result["gc_incomplete"] = collect(store, ttl_days=0, max_bytes=0, incomplete_grace_s=0).incomplete
event, data = bash_persisted_event(work / "t_next.txt", log_text(2, 300_000), project)
next_out = start_hook(event, work, "t_next", env).communicate()[0]
result["next_handle_printed"] = printed_handle(next_out) == handle_of(data)
print(json.dumps(result))
