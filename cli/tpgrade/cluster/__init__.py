"""Grading on several machines: a PostgreSQL store and job queue (Procrastinate).

The coordinator (``tpgrade grade --database``) writes each submission and its
job in one transaction; ``tpgrade worker`` on each grading node takes jobs one
at a time per process, each process keeping its warm sandbox; a reaper gives a
dead worker's jobs to another. A job may run twice, its result is stored once.
"""
