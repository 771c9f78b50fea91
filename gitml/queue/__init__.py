"""The run queue (``git ml queue``): runs to do later, as records on ``refs/gitml/queue``.

``records`` holds entries and their events, ``entries`` checks and adds a run to the
queue, ``runner`` drains it (here or on a Ray cluster), ``control`` cancels and follows
entries.
"""
