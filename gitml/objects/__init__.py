"""The content-addressed object store: every file gitml keeps by content lives here.

Datasets (``gitml.data``), model artifacts (``gitml.registry``), run outputs and reruns all
keep files the same way: an ``xxh3-128`` digest (``digest``), an object cache of read-only
files named by it (``cache``, written only through verified IO in ``fileio``), a stat
cache that spares re-hashing unchanged files (``statcache``), folders as one listing
object (``listing``), remotes opened by URL scheme (``remotes``) and parallel, verified
transfers to and from them (``transfer``). Writing objects out into a tree goes through
one path guard (``pathguard``). Nothing here talks to git; the records that name objects
(dataset pointers and manifests, run and model records) belong to the packages above.
"""
