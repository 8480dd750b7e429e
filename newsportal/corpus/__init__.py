"""The crawl's output as a corpus for analysts: read, merge, collapse, filter, write, describe.

Data flows one way: ``sources`` (find and read the per-run JSON Lines files, counting bad lines)
→ ``records`` (one valid Article-shaped dict per line) → ``selection`` (pass one: a small index per
record, no bodies; latest version per canonical URL, exact and near duplicates) → ``export`` (pass
two: the selected records, filtered, to a ``writers`` sink or the ``report``'s tallies).
Nothing here imports Scrapy; pyarrow and matplotlib are imported only by the code that needs them.
"""
