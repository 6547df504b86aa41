"""Ground-truth media for tests and benchmarks: known colour casts, injected QC defects, clips made from stills.

Nothing in the runtime path imports this package. It imports no test-only extra at module level: the few
functions that need one (scikit-image's bundled photographs) import it when called.
"""
