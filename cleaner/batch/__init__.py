"""Clean many files: walk the inputs, clean them on every core, write outputs mirroring the input tree.

model (what a run is told and reports), files (paths and atomic writes),
resume (the state that lets a rerun skip finished files), work (one file or
one range of records, in any worker), pool and dask (where the work runs),
join (the parts of a large JSONL file), run (the conductor).
"""
