"""The test Redis is real: it answers, keeps writes across a restart (append-only file), and stops."""

import redis


def test_real_server_keeps_data_across_restart(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.set("k", "v")
    redis_server.restart()
    client = redis.Redis.from_url(redis_server.url)
    assert client.get("k") == b"v"
    assert client.config_get("appendonly")["appendonly"] == "yes"
    redis_server.stop()
    assert not redis_server.ping()
