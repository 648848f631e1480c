"""What changes an environment, as operations of named steps (``steps``), each run the same way
(``runner``: lock, run, record, unlock): ``deploy``, ``rollback``, ``migrate`` and ``backup``
(backup and restore). ``fleet`` gives them their hosts; ``summary`` holds what they hand the
operator (the plan, the confirmation summary, what was done)."""
