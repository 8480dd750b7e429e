"""Two crawl processes' DedupPipeline + StatePipeline racing on one real redis-server: a story fetched
by both at the same moment, under two URLs (a syndicated copy, a near-duplicate) or under one, is
emitted by exactly one of them.

Each racer judges all its items before recording any, as items wait between DedupPipeline and the
feed in a crawl: with a check and a later record (no claim) both racers would emit every story."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.redisserver import RedisServer, race

ROOT = Path(__file__).resolve().parents[1]

RACER = textwrap.dedent(
    """
    import json, sys, time
    import redis
    from scrapy import signals
    from tests.statestores import story
    from tests.test_dedup_pipeline import article, crawler_for, Pipelines
    from newsportal.pipelines import NewsportalDrop

    url, worker, count, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    crawler = crawler_for(tmp, NEWSPORTAL_REDIS_URL=url, NEWSPORTAL_STATE_BACKEND="redis")
    p = Pipelines(crawler)
    items = []
    for n in range(count):
        body = story(n)
        if n % 3 == 0:  # one canonical URL (two links to one story)
            page = f"http://a.cn/{n}.html"
        elif n % 3 == 1:  # one body at two portals' URLs (a syndicated copy)
            page = f"http://{worker}.cn/{n}.html"
        else:  # a near-duplicate: the portal's own source line
            page, body = f"http://{worker}.cn/{n}.html", body + f"\\n来源：{worker}日报"
        items.append((n, article(page, body)))
    client = redis.Redis.from_url(url)
    print("ready", flush=True)
    while not client.exists("go"):
        time.sleep(0.001)
    passed = []
    for n, item in items:
        try:
            passed.append((n, p.check(item)))
        except NewsportalDrop as drop:
            print(json.dumps([n, False, drop.stat_key]), flush=True)
    for n, item in passed:  # written to the feed: recorded
        out = p.state.process_item(item)
        crawler.signals.send_catch_log(signals.item_scraped, item=out, response=None, spider=None)
        print(json.dumps([n, True, None]), flush=True)
    p.close()
    """
)


def test_two_workers_racing_the_same_stories_emit_each_exactly_once(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    count, workers = 90, ("w1", "w2")
    outputs = race(
        redis_server.url, RACER, [[name, str(count), str(tmp_path / name)] for name in workers], cwd=ROOT
    )
    emitted: dict[int, int] = {}
    for out in outputs:
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == count
        for n, won, _ in rows:
            emitted[n] = emitted.get(n, 0) + won
    assert emitted == {n: 1 for n in range(count)}
