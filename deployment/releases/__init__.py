"""Releases on the hosts: git worktrees from a bare mirror (``worktree``, ``mirror``), the live
one (``current``), going live with a restart and a health check (``live``, ``health``), what
each deploy recorded (``records``) and pruning (``prune``)."""
