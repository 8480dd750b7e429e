"""RedisStateStore: the state store of a cluster, shared by every worker through one Redis server.

What it keeps is what ``SQLiteStateStore`` keeps (the ``StateStore`` interface): one record per emitted
canonical URL, the content-hash index of first copies and the near-duplicate index (the same MinHash
signature, LSH bands and threshold as ``newsportal.state.signature``), so the incremental rules and
dedup hold across workers and across runs. Every key is under ``{prefix}state:``; the cluster's prefix is
``newsportal:{target}:``, so its job and frontier keys sit beside these and ``reset`` never touches them.

Layout (sized for ≤ 1.5 KB an article at 100,000 stored, the index included; ``benchmarks/redis_state.py``
measures it). Redis spends ~60-80 bytes on each key, so per-article data lives in bucket hashes, never
in a key of its own:

* ``state:meta`` HASH: schema and signature versions, the id counter, counts for ``stats``;
* ``state:url:XXX`` HASH (4,096 buckets by SHA-1 of the URL): canonical URL → article id;
* ``state:rec:N`` HASH (ids N·256 … N·256+255): id → record: ``S`` + the 384-byte signature + JSON, or
  ``J`` + JSON for a record without one (a kept duplicate, an empty body);
* ``state:life:N`` HASH: id → ``version|first_seen|last_seen|token|pending`` (what ``touch``, a
  refresh and a claim rewrite without rewriting the record; pending: the server time in ms of a
  claim not yet confirmed by ``add``, else 0);
* ``state:hash:XXX`` HASH (4,096 buckets): content hash (20 bytes for a hex SHA-1) → the ids of first
  copies with that hash, 4 bytes each, ascending (so the oldest is found first, as in SQLite);
* ``state:band:XXXX`` STRING (65,536 buckets, the low 16 bits of a 48-bit band key): 8-byte entries, the
  key's other 32 bits and the id. A lookup reads 32 strings of ~50 entries (at 100,000 stored) and
  finds its keys with a byte search: a band costs 8 bytes, where a Redis set member would cost ~50.
* ``state:sites`` HASH: site → articles (for ``stats``);
* ``state:mark:XXX`` HASH (4,096 buckets by SHA-1 of the URL): fetch marks (issue 17), the field the
  URL's SHA-1 bytes 2-9 (8 bytes: a URL would cost ~60; two of 100,000 URLs share 8 bytes with a
  chance of ~1e-9), the value ``fetched_at`` or ``fetched_at|lastmod``, both strings as given (the
  incremental middleware compares ``fetched_at`` with its run's start as strings). ~70 bytes a mark.
  Not in the script: a mark is one HSET, atomic on its own; a pipeline writes a batch in one trip.

``state:meta`` also keeps ``store_id`` (``identity``): a random id set when the store is created (or
found without one) and replaced by ``reset``.

Why Lua: every write and every multi-key read is one script, so it is atomic across workers and costs
one round trip. ``claim`` is the check-and-record a cluster needs: a URL, content or near-duplicate
check and the write of the winner in one script, so two workers meeting the same story at once cannot
both be told it is new (a check then a write from the client could interleave). MULTI/WATCH would do it
too, but would watch 32 band buckets and retry under load; a script never retries.

Redis restarted or unreachable: a call that fails on the connection is retried with backoff (the
warning is logged once per outage) for up to ``retry_for`` seconds, then raises ``StateUnavailable``
(an OSError with EIO, so a crawl's WriteGuard stops the run cleanly with ``write_failed``). Every
script is idempotent (an add of the same record again changes nothing but last_seen; a claim retried
after its reply was lost is recognised by its token), so a retry can never duplicate or lose a record.
Each new connection reads the server's run_id; when it changed (a restart, even one between two calls
that redis-py hid by reconnecting), a store whose meta key is gone (a server restarted without its
append-only file) raises StateError rather than silently answering from an empty store.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from newsportal.extract.dates import CHINA_TZ
from newsportal.state.base import (
    Claim,
    FetchMark,
    NearMatch,
    StateError,
    StateStats,
    StateStore,
    StoredArticle,
)
from newsportal.state.signature import NUM_PERM, SIG_BYTES, SIGNATURE_VERSION, NearSignature

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
BAND_BUCKET_BITS = 16  # band buckets: 65,536 strings
MAX_CANDIDATES = 256  # as SQLiteStateStore: a lookup verifies at most this many candidates
RETRY_FOR_S = 120.0  # how long a call waits for Redis to come back before StateUnavailable
CLAIM_LEASE_S = 120.0  # a claim not confirmed by an add within this stops counting (its worker died)
_T = TypeVar("_T")


class StateUnavailable(ConnectionError):
    """Redis could not be reached for ``retry_for`` seconds (errno EIO), or refuses writes because it is
    out of memory (ENOSPC: ``maxmemory`` with ``noeviction``). An OSError naming the server, so a
    crawl's WriteGuard stops the run (``write_failed``) instead of losing what it could not record."""


_LUA = r"""
local P = ARGV[1]
local op = ARGV[2]
local META = P .. "meta"
local NPERM = 96
local SIGLEN = 384
local UNPACK = "<" .. string.rep("I4", NPERM)

local function url_key(u) return P .. "url:" .. string.sub(redis.sha1hex(u), 1, 3) end
local function rec_key(id) return P .. "rec:" .. tostring(math.floor(id / 256)) end
local function life_key(id) return P .. "life:" .. tostring(math.floor(id / 256)) end
local function hash_field(h)
  if #h == 40 and not string.find(h, "[^0-9a-f]") then
    return (string.gsub(h, "..", function(x) return string.char(tonumber(x, 16)) end))
  end
  return "=" .. h
end
local function hash_key(f) return P .. "hash:" .. string.sub(redis.sha1hex(f), 1, 3) end
local function str(x) if x == nil or x == cjson.null then return "" end return x end

-- A stored record: its signature (or nil) and its JSON fields.
local function split(v)
  if string.sub(v, 1, 1) == "S" then return string.sub(v, 2, SIGLEN + 1), string.sub(v, SIGLEN + 2) end
  return nil, string.sub(v, 2)
end
local function old_record(id)
  local v = redis.call("HGET", rec_key(id), tostring(id))
  if not v then return nil end
  local sig, js = split(v)
  local f = cjson.decode(js)
  return {sig = sig, url = f[1], site = str(f[3]), hash = str(f[6]), first = str(f[7]) == ""}
end
local function life(id)
  local v = redis.call("HGET", life_key(id), tostring(id))
  if not v then return nil end
  local a, b, c, d, e = string.match(v, "^([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$")
  return {version = tonumber(a), first_seen = b, last_seen = c, token = d, pending = tonumber(e) or 0}
end
local function life_value(lf)
  return lf.version .. "|" .. lf.first_seen .. "|" .. lf.last_seen .. "|" .. lf.token .. "|" .. lf.pending
end
-- What plain reads pass over: a claim not confirmed by add yet (its story is not written yet, and
-- may never be: dropped later, or its worker died). Only claim sees claims.
local function unconfirmed(id)
  local lf = life(id)
  return lf ~= nil and lf.pending > 0
end

-- The ids of first copies with a content hash: 4-byte little-endian, ascending.
local function ids_of(packed)
  local out = {}
  for i = 1, #packed, 4 do out[#out + 1] = struct.unpack("<I4", packed, i) end
  return out
end
local function pack_ids(ids)
  local parts = {}
  for i, id in ipairs(ids) do parts[i] = struct.pack("<I4", id) end
  return table.concat(parts)
end
local function hash_add(h, id)
  local f = hash_field(h)
  local k = hash_key(f)
  local ids = ids_of(redis.call("HGET", k, f) or "")
  for _, x in ipairs(ids) do if x == id then return end end
  if #ids == 0 then redis.call("HINCRBY", META, "hashes", 1) end
  ids[#ids + 1] = id
  table.sort(ids)
  redis.call("HSET", k, f, pack_ids(ids))
end
local function hash_remove(h, id)
  local f = hash_field(h)
  local k = hash_key(f)
  local ids = ids_of(redis.call("HGET", k, f) or "")
  local kept = {}
  for _, x in ipairs(ids) do if x ~= id then kept[#kept + 1] = x end end
  if #kept == #ids then return end
  if #kept == 0 then
    redis.call("HDEL", k, f)
    redis.call("HINCRBY", META, "hashes", -1)
  else
    redis.call("HSET", k, f, pack_ids(kept))
  end
end
-- skip(id): a first copy to pass over (claim: one whose worker died before confirming it).
local function find_content(h, skip)
  local f = hash_field(h)
  for _, id in ipairs(ids_of(redis.call("HGET", hash_key(f), f) or "")) do
    if not skip(id) then return old_record(id).url end
  end
  return nil
end

-- The band keys, packed in one argument: per key its bucket (2 bytes) and its other 32 bits.
local function bands(packed)
  local out = {}
  for i = 1, #packed, 6 do
    local bucket = struct.unpack("<I2", packed, i)
    out[#out + 1] = {P .. "band:" .. string.format("%04x", bucket), string.sub(packed, i + 2, i + 5)}
  end
  return out
end
-- The band buckets' strings, in one MGET: a redis.call costs ~1-2 µs, 32 of them most of a lookup.
local function band_strings(bs)
  local keys = {}
  for i, b in ipairs(bs) do keys[i] = b[1] end
  if #keys == 0 then return {} end
  return redis.call("MGET", unpack(keys))
end
local function add_bands(bs, id)
  local tail = struct.pack("<I4", id)
  local strings, current, order, changed = band_strings(bs), {}, {}, {}
  for i, b in ipairs(bs) do
    if current[b[1]] == nil then current[b[1]] = strings[i] or "" end
  end
  for _, b in ipairs(bs) do
    local entry, s = b[2] .. tail, current[b[1]]  -- two bands of a body may share a bucket
    local pos, present = 1, false
    while true do
      local at = string.find(s, entry, pos, true)
      if not at then break end
      if (at - 1) % 8 == 0 then present = true break end
      pos = at + 1
    end
    if not present then
      if not changed[b[1]] then
        changed[b[1]] = true
        order[#order + 1] = b[1]
      end
      current[b[1]] = s .. entry
    end
  end
  -- Rewritten whole, not APPENDed: APPEND's string doubles its allocation as it grows (up to 2x the
  -- bytes). One MSET for the buckets that changed.
  local pairs_ = {}
  for _, key in ipairs(order) do
    pairs_[#pairs_ + 1] = key
    pairs_[#pairs_ + 1] = current[key]
  end
  if #pairs_ > 0 then redis.call("MSET", unpack(pairs_)) end
end

-- The most similar first copy at or above threshold: url, equal values; nil when none.
local function find_near(bs, mine, threshold, skip)
  local counts, ids = {}, {}
  local strings = band_strings(bs)
  for i, b in ipairs(bs) do
    local s = strings[i]
    if s then
      local pos = 1
      while true do
        local at = string.find(s, b[2], pos, true)
        if not at then break end
        if (at - 1) % 8 == 0 then
          local id = struct.unpack("<I4", s, at + 4)
          if not counts[id] then ids[#ids + 1] = id counts[id] = 0 end
          counts[id] = counts[id] + 1
          pos = at + 8
        else
          pos = at + 1
        end
      end
    end
  end
  if #ids == 0 then return nil end
  table.sort(ids, function(a, b)
    if counts[a] ~= counts[b] then return counts[a] > counts[b] end
    return a < b
  end)
  local top = {}
  for i = 1, math.min(#ids, 256) do top[i] = ids[i] end
  table.sort(top)
  local my = {struct.unpack(UNPACK, mine)}
  local best, best_id = -1, nil
  for _, id in ipairs(top) do
    local v = redis.call("HGET", rec_key(id), tostring(id))
    if v and string.sub(v, 1, 1) == "S" then
      local sig = string.sub(v, 2, SIGLEN + 1)
      local m = 0
      if sig == mine then
        m = NPERM
      else
        local other = {struct.unpack(UNPACK, sig)}
        for k = 1, NPERM do if other[k] == my[k] then m = m + 1 end end
      end
      -- skip asked only of a candidate that would be the best: one HGET, not one per candidate
      if m > best and not skip(id) then best, best_id = m, id end
    end
  end
  if best_id == nil or best / NPERM < threshold then return nil end
  return old_record(best_id).url, best
end

-- Store a record (ARGV[3..11]); bands from ARGV[14]. pending: the claim's time (ms), 0 once
-- confirmed by an add. Returns the id.
local function store(version, pending)
  local url, value, site, h = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local first_copy, now, token = ARGV[7] == "1", ARGV[10], ARGV[11]
  local has_sig = string.sub(value, 1, 1) == "S"
  local uk = url_key(url)
  local id = redis.call("HGET", uk, url)
  local old, lf
  if id then
    id = tonumber(id)
    old = old_record(id)
    lf = life(id)
  else
    id = redis.call("HINCRBY", META, "next_id", 1)
    redis.call("HSET", uk, url, id)
    redis.call("HINCRBY", META, "articles", 1)
  end
  redis.call("HSET", rec_key(id), tostring(id), value)
  local first_seen = (lf and lf.first_seen) or (ARGV[9] ~= "" and ARGV[9]) or now
  local lv = {version = version, first_seen = first_seen, last_seen = now, token = token, pending = pending}
  redis.call("HSET", life_key(id), tostring(id), life_value(lv))
  if old then
    if redis.call("HINCRBY", P .. "sites", old.site, -1) <= 0 then
      redis.call("HDEL", P .. "sites", old.site)
    end
    if not old.first then redis.call("HINCRBY", META, "kept", -1) end
    if old.sig then redis.call("HINCRBY", META, "signed", -1) end
    if old.first and old.hash ~= "" then hash_remove(old.hash, id) end
  end
  redis.call("HINCRBY", P .. "sites", site, 1)
  if not first_copy then redis.call("HINCRBY", META, "kept", 1) end
  if has_sig then redis.call("HINCRBY", META, "signed", 1) end
  if first_copy and h ~= "" then hash_add(h, id) end
  -- An updated record keeps the band entries of its old body (as in SQLite): a lookup verifies every
  -- candidate against the signature stored now, so they cost a little space, never a wrong match.
  if has_sig then add_bands(bands(ARGV[14]), id) end
  return id
end

if op == "add" then
  store(ARGV[8], 0)
  return 1
elseif op == "claim" then
  local url, h, token, lease_ms = ARGV[3], ARGV[6], ARGV[11], tonumber(ARGV[13])
  -- The server's clock, not the workers': their clocks may disagree.
  local t = redis.call("TIME")
  local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local function abandoned(lf) return lf.pending > 0 and now_ms - lf.pending > lease_ms end
  local function skip(id)
    local lf = life(id)
    return lf ~= nil and lf.token ~= token and abandoned(lf)
  end
  local id = redis.call("HGET", url_key(url), url)
  local version = tonumber(ARGV[8])
  if id then
    id = tonumber(id)
    local lf = life(id)
    if lf.token == token then return {"won", lf.version} end  -- a retry of this very claim
    local same = h == "" or old_record(id).hash == h
    if not abandoned(lf) then
      if same or lf.pending > 0 then return {"url", lf.version, url} end
      store(lf.version + 1, now_ms)  -- the body changed since: the story's next version
      return {"won", lf.version + 1}
    end
    -- claimed by a worker that died (or released) before confirming it: judged as a new story below,
    -- since another copy of it may have been claimed meanwhile (its own claim is skipped there)
    version = same and lf.version or lf.version + 1
  end
  if h ~= "" then
    local first = find_content(h, skip)
    if first then return {"content", 0, first} end
  end
  local value = ARGV[4]
  if string.sub(value, 1, 1) == "S" then
    local first, m = find_near(bands(ARGV[14]), string.sub(value, 2, SIGLEN + 1), tonumber(ARGV[12]), skip)
    if first then return {"near", 0, first, m} end
  end
  store(version, now_ms)
  return {"won", version}
elseif op == "find_near" then
  local first, m = find_near(bands(ARGV[5]), ARGV[3], tonumber(ARGV[4]), unconfirmed)
  if not first then return nil end
  return {first, m}
elseif op == "find_content" then
  return find_content(ARGV[3], unconfirmed)
elseif op == "article" then
  local url = ARGV[3]
  local id = redis.call("HGET", url_key(url), url)
  if not id then return nil end
  if unconfirmed(tonumber(id)) then return nil end
  return {redis.call("HGET", rec_key(id), id), redis.call("HGET", life_key(id), id)}
elseif op == "release" then
  -- this worker's claim, not confirmed, dropped after all: abandoned at once (pending 1 is older than
  -- any lease), so the story's next claim wins; another worker's claim since is left alone
  local url, token = ARGV[3], ARGV[4]
  local id = redis.call("HGET", url_key(url), url)
  if not id then return 0 end
  local lf = life(tonumber(id))
  if lf.token ~= token or lf.pending == 0 then return 0 end
  lf.pending = 1
  redis.call("HSET", life_key(tonumber(id)), id, life_value(lf))
  return 1
elseif op == "touch" then
  local url = ARGV[3]
  local id = redis.call("HGET", url_key(url), url)
  if not id then return 0 end
  local lf = life(tonumber(id))
  lf.last_seen = ARGV[4]
  redis.call("HSET", life_key(tonumber(id)), id, life_value(lf))
  return 1
end
return redis.error_reply("unknown op " .. tostring(op))
"""


def _now() -> str:
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")


def _new_id() -> str:
    return uuid.uuid4().hex


def _band_args(signature: NearSignature) -> bytes:
    """The band keys in one argument (the script's ``bands``): per key, its low 16 bits (the bucket)
    and its other 32 bits, little-endian. One argument, not 64: each costs the client and the
    server a few µs to pack and parse."""
    return b"".join(
        (key & 0xFFFF).to_bytes(2, "little") + (key >> BAND_BUCKET_BITS).to_bytes(4, "little")
        for key in signature.band_keys
    )


def _encode(record: StoredArticle, signature: NearSignature | None) -> tuple[bytes, bool]:
    """The stored value of record (signature first when it has one) and whether it has one."""
    sig = None
    if record.duplicate_of is None and signature is not None and not signature.empty:
        sig = signature.stored
        if len(sig) != SIG_BYTES:
            raise ValueError(f"signature of {len(sig)} bytes, expected {SIG_BYTES}")
    # url 0: the same as the canonical URL (most records), so it is not stored twice.
    url: str | int | None = 0 if record.url == record.canonical_url else record.url
    fields = [
        record.canonical_url,
        url,
        record.site,
        record.title,
        record.published_at,
        record.content_hash,
        record.duplicate_of,
    ]
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return (b"S" + sig + body, True) if sig else (b"J" + body, False)


def _decode(value: bytes, life: bytes) -> StoredArticle:
    body = value[1 + SIG_BYTES :] if value[:1] == b"S" else value[1:]
    canonical, url, site, title, published, chash, duplicate_of = json.loads(body)
    version, first_seen, last_seen, _token, _pending = life.decode("utf-8").split("|", 4)
    return StoredArticle(
        canonical_url=canonical,
        url=canonical if url == 0 else url,
        site=site,
        title=title,
        published_at=published,
        content_hash=chash,
        version=int(version),
        duplicate_of=duplicate_of,
        first_seen=first_seen,
        last_seen=last_seen,
    )


class RedisStateStore(StateStore):
    """The StateStore of a cluster, in Redis under ``{prefix}state:``; see the module docstring."""

    claims_atomically = True  # claim is one script: check and record at once, across workers

    def __init__(self, url: str, prefix: str, *, retry_for: float = RETRY_FOR_S) -> None:
        """Connect to the Redis at url (``redis://host:port/db``) and open the store under prefix,
        creating it when empty. Raises StateError for a store built with other signature parameters,
        StateUnavailable when Redis does not answer within retry_for seconds."""
        self.url = url
        self.prefix = prefix
        self.keys = prefix + "state:"
        self.retry_for = retry_for
        self._down_since: float | None = None
        self._meta_seen = False
        self._run_id: str | None = None  # the server's run_id: another one means it restarted
        self._restarted = False
        # redis-py's own retries are off: this store retries (and logs) itself, see _call. It also
        # reconnects silently when a pooled connection was closed by a restart, so each new
        # connection asks the server's run_id (_on_connect) to tell a restart from a new socket.
        self._client: redis.Redis | None = redis.Redis.from_url(
            url,
            retry=Retry(NoBackoff(), 0),
            socket_timeout=10,
            socket_connect_timeout=5,
            redis_connect_func=self._on_connect,
        )
        self._script = self._client.register_script(_LUA)
        self._open()

    # --- plumbing --------------------------------------------------------------------------------

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            raise StateError(f"state store {self.location} is closed")
        return self._client

    @property
    def location(self) -> str:
        return f"{self.url} {self.keys}*"

    def _open(self) -> None:
        meta = self.keys + "meta"

        def check() -> None:
            stored = self.client.hget(meta, "signature_version")
            if stored is None:
                self.client.hsetnx(meta, "schema_version", SCHEMA_VERSION)
                self.client.hsetnx(meta, "signature_version", SIGNATURE_VERSION)
            elif stored.decode() != SIGNATURE_VERSION:
                raise StateError(
                    f"{self.location} holds near-duplicate signatures {stored.decode()!r}, this version "
                    f"computes {SIGNATURE_VERSION!r}: run `newsportal state reset --redis-url ...`"
                )
            # a store made before identities is given one now; HSETNX: two workers opening a new
            # store at once keep the same one
            self.client.hsetnx(meta, "store_id", _new_id())

        self._call(check)
        self._meta_seen = True

    def _on_connect(self, connection: Any) -> None:
        """A new connection: set up as redis-py does, then note the server's run_id."""
        connection.on_connect()
        connection.send_command("INFO", "server")
        info = connection.read_response()
        info = info.decode() if isinstance(info, bytes) else str(info)
        run_id = next((line[7:].strip() for line in info.splitlines() if line.startswith("run_id:")), "")
        if self._run_id is not None and run_id != self._run_id:
            self._restarted = True
        self._run_id = run_id

    def _call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """fn(*args), retried with backoff while Redis is unreachable (up to retry_for seconds).
        Every call here is idempotent, so a call whose reply was lost is safe to repeat."""
        delay, deadline = 0.05, None
        while True:
            try:
                result = fn(*args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.retry_for
                if self._down_since is None:
                    self._down_since = now
                    logger.warning(
                        "state store: Redis at %s unreachable (%s); retrying with backoff for up to %.0f s",
                        self.url,
                        exc,
                        self.retry_for,
                    )
                if now >= deadline:
                    raise StateUnavailable(
                        errno.EIO, f"Redis unreachable for {self.retry_for:.0f} s ({exc})", self.url
                    ) from exc
                time.sleep(min(delay, max(0.0, deadline - now)))
                delay = min(delay * 2, 2.0)
                continue
            except redis.exceptions.OutOfMemoryError as exc:
                # The disk-full of a Redis: maxmemory reached (noeviction). A script is refused at its
                # first write, before it has written anything, so no record is left half-written.
                raise StateUnavailable(errno.ENOSPC, f"Redis is out of memory: {exc}", self.url) from exc
            if self._down_since is not None or self._restarted:
                restarted, self._restarted = self._restarted, False
                how = " (the server restarted)" if restarted else ""
                if self._down_since is not None:
                    down_for = time.monotonic() - self._down_since
                    self._down_since = None
                    logger.warning("state store: Redis at %s is back after %.1f s%s", self.url, down_for, how)
                else:  # restarted between two calls: redis-py reconnected without an error
                    logger.warning("state store: Redis at %s restarted; reconnected", self.url)
                if restarted:
                    self._check_kept()
            return result

    def _check_kept(self) -> None:
        """After a restart: the store must still be there (a server restarted without its append-only
        file comes back empty, which would silently emit every article again). Checked before the
        result of the call that met the restart is returned, so no answer from an empty server is used."""
        if self._meta_seen and not self.client.exists(self.keys + "meta"):
            raise StateError(
                f"{self.location}: Redis came back without this store (restarted without "
                "appendonly?): the state is lost; stop the workers and see the README's Cluster state"
            )

    def _run(self, op: str, *args: Any, client: Any = None) -> Any:
        client = client if client is not None else self.client  # StateError once closed
        return self._script(keys=[self.keys + "meta"], args=[self.keys, op, *args], client=client)

    def _write_args(self, record: StoredArticle, signature: NearSignature | None, token: str) -> list[Any]:
        value, signed = _encode(record, signature)
        bands = _band_args(signature) if signed and signature is not None else b""
        return [
            record.canonical_url,
            value,
            record.site if record.site is not None else "?",
            record.content_hash or "",
            "1" if record.duplicate_of is None else "0",
            str(record.version),
            record.first_seen or "",
            _now(),
            token,
            "",  # threshold (claim only)
            "",  # lease in ms (claim only)
            bands,
        ]

    # --- reads -----------------------------------------------------------------------------------

    def identity(self) -> str | None:
        value = self._call(self.client.hget, self.keys + "meta", "store_id")
        return value.decode() if value else None

    def seen_url(self, canonical_url: str) -> bool:
        return self.article(canonical_url) is not None  # the script: a claim not confirmed is not seen

    def article(self, canonical_url: str) -> StoredArticle | None:
        row = self._call(self._run, "article", canonical_url)
        return _decode(row[0], row[1]) if row else None

    def find_content(self, content_hash: str) -> str | None:
        url = self._call(self._run, "find_content", content_hash)
        return url.decode("utf-8") if url else None

    def find_near(self, signature: NearSignature, threshold: float) -> NearMatch | None:
        if signature.empty:
            return None
        threshold_arg = repr(float(threshold))
        row = self._call(self._run, "find_near", signature.stored, threshold_arg, _band_args(signature))
        if not row:
            return None
        return NearMatch(row[0].decode("utf-8"), round(int(row[1]) / NUM_PERM, 4))

    # --- writes ----------------------------------------------------------------------------------

    def add(self, record: StoredArticle, signature: NearSignature | None = None) -> None:
        self._call(self._run, "add", *self._write_args(record, signature, ""))

    def add_many(self, records: Iterable[tuple[StoredArticle, NearSignature | None]]) -> int:
        """One round trip for the batch (a pipeline of scripts, each atomic); retried whole."""
        batch = [self._write_args(record, signature, "") for record, signature in records]

        def send() -> None:
            pipe = self.client.pipeline(transaction=False)
            for args in batch:
                self._run("add", *args, client=pipe)
            pipe.execute()

        if batch:
            self._call(send)
        return len(batch)

    def claim(
        self,
        record: StoredArticle,
        signature: NearSignature | None,
        threshold: float,
        *,
        lease_s: float = CLAIM_LEASE_S,
    ) -> Claim:
        """Atomically across workers: whether this story is new, and if so store it as claimed.

        Lost when its canonical URL is stored with the same body (``url``), or a first copy has its
        content hash (``content``) or is a near-duplicate at or above threshold (``near``); nothing is
        written then. Won when it is new (stored with record.version), or its URL is stored with another
        body (stored as the stored version + 1: a refreshed story). Two workers claiming the same story
        at once: exactly one wins. A kept duplicate is not claimed: store it with ``add``.

        The winner confirms with ``add`` once the story is written (StatePipeline does, on
        item_scraped). A claim not confirmed within lease_s (its worker died between the claim and
        the write) no longer makes others lose: the next claim of that story wins, so a worker's
        death cannot lose a story; until then the story is being emitted, and others lose to it."""
        if record.duplicate_of is not None:
            raise ValueError("claim a first copy; a kept duplicate is stored with add()")
        token = os.urandom(8).hex()  # recognises this claim if it is retried after its reply was lost
        args = self._write_args(record, signature, token)
        args[9] = repr(float(threshold))
        args[10] = str(int(lease_s * 1000))
        row = self._call(self._run, "claim", *args)
        kind = row[0].decode()
        if kind == "won":
            return Claim(True, int(row[1]), token=token)
        first = row[2].decode("utf-8") if len(row) > 2 else None
        similarity = round(int(row[3]) / NUM_PERM, 4) if len(row) > 3 else None
        return Claim(False, int(row[1]), kind, first, similarity)

    def release(self, canonical_url: str, claim: Claim) -> None:
        if claim.won and claim.token:
            self._call(self._run, "release", canonical_url, claim.token)

    def touch(self, canonical_url: str) -> None:
        self._call(self._run, "touch", canonical_url, _now())

    # --- fetch marks -----------------------------------------------------------------------------

    def _mark_slot(self, url: str) -> tuple[str, bytes]:
        digest = hashlib.sha1(url.encode("utf-8")).digest()
        return f"{self.keys}mark:{digest.hex()[:3]}", digest[2:10]

    def fetch_mark(self, url: str) -> FetchMark | None:
        key, slot = self._mark_slot(url)
        value = self._call(self.client.hget, key, slot)
        if value is None:
            return None
        fetched_at, sep, lastmod = value.decode("utf-8").partition("|")
        return FetchMark(url, fetched_at, lastmod if sep else None)

    def mark_fetched(self, marks: Iterable[FetchMark]) -> None:
        """One round trip for the batch (a pipeline of HSETs, each atomic, retried whole: writing a
        mark again is harmless). A fetched_at with ``|`` in it is refused (ValueError): it would be read
        back cut."""
        rows = []
        for mark in marks:
            if "|" in mark.fetched_at:
                raise ValueError(f"fetch mark of {mark.url}: fetched_at {mark.fetched_at!r} has a '|'")
            value = mark.fetched_at if mark.lastmod is None else f"{mark.fetched_at}|{mark.lastmod}"
            rows.append((*self._mark_slot(mark.url), value.encode("utf-8")))
        if not rows:
            return

        def send() -> None:
            pipe = self.client.pipeline(transaction=False)
            for key, slot, value in rows:
                pipe.hset(key, slot, value)
            pipe.execute()

        self._call(send)

    # --- admin -----------------------------------------------------------------------------------

    def _state_keys(self) -> list[bytes]:
        pattern = _glob_escape(self.keys) + "*"
        return list(self._call(lambda: list(self.client.scan_iter(match=pattern, count=1000))))

    def stats(self) -> StateStats:
        stored = self._call(self.client.hgetall, self.keys + "meta")
        meta = {k.decode(): v.decode() for k, v in stored.items()}
        sites = {
            k.decode("utf-8"): int(v) for k, v in self._call(self.client.hgetall, self.keys + "sites").items()
        }
        keys = self._state_keys()

        def sizes() -> int:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.memory_usage(key, samples=0)
            return sum(size or 0 for size in pipe.execute())

        size = self._call(sizes) if keys else 0
        mark_keys = [key for key in keys if key.startswith((self.keys + "mark:").encode())]

        def marks() -> int:  # counted here, not kept in meta: a retried batch would count twice
            pipe = self.client.pipeline(transaction=False)
            for key in mark_keys:
                pipe.hlen(key)
            return sum(pipe.execute())

        counts = {name: int(meta.get(name, 0)) for name in ("articles", "kept", "hashes", "signed")}
        details = {
            "fetch_marks": self._call(marks) if mark_keys else 0,
            "store_id": meta.get("store_id"),
            "keys": len(keys),
            "schema_version": meta.get("schema_version"),
            "signature_version": meta.get("signature_version"),
        }
        return StateStats(
            backend="redis",
            location=self.location,
            articles=counts["articles"],
            kept_duplicates=counts["kept"],
            content_hashes=counts["hashes"],
            near_signatures=counts["signed"],
            sites=dict(sorted(sites.items(), key=lambda kv: -kv[1])),
            size_bytes=size,
            details=details,
        )

    def reset(self) -> None:
        """Forget every key of the store (``{prefix}state:*``, fetch marks included) and take a new
        identity; the cluster's other keys stay."""
        keys = self._state_keys()

        def unlink() -> None:
            for start in range(0, len(keys), 1000):
                self.client.unlink(*keys[start : start + 1000])
            self.client.hset(
                self.keys + "meta",
                mapping={
                    "schema_version": SCHEMA_VERSION,
                    "signature_version": SIGNATURE_VERSION,
                    "store_id": _new_id(),
                },
            )

        self._call(unlink)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _glob_escape(text: str) -> str:
    """text matched literally by a Redis glob pattern (SCAN MATCH)."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
