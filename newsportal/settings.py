"""Scrapy settings for newsportal. Every tunable has its default here, next to what it means.

Override any of them on the command line with ``-s NAME=VALUE``. Settings of our own carry the
``NEWSPORTAL_`` prefix; the README's reference table lists them all.
"""

BOT_NAME = "newsportal"
SPIDER_MODULES = ["newsportal.spiders"]
NEWSPIDER_MODULE = "newsportal.spiders"
COMMANDS_MODULE = "newsportal.commands"

# --- politeness: we are a guest on other people's servers ---------------------------------------
ROBOTSTXT_OBEY = True
# the spider adds "; +<NEWSPORTAL_CONTACT>" inside the parentheses (see the end of this file)
USER_AGENT = "newsportal/0.1 (news research crawler)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# Portals on loopback (the bundled sample portal, test servers) are ours: no delay, no throttle.
NEWSPORTAL_LOCAL_UNTHROTTLED = True
# The port on 127.0.0.1 a portal served offline (the sample portal) is served on; a free port when taken.
NEWSPORTAL_OFFLINE_PORT = 8631

# --- what the crawl may follow -------------------------------------------------------------------
# Hard bounds so a link trap or a runaway pagination cannot grow a crawl without end.
DEPTH_LIMIT = 12
# Breadth-first: home and channel pages before what they lead to, so the copy of a story linked
# from the front page is met (and kept) before a syndicated copy buried deeper.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "newsportal.scheduler.FrontierDiskQueue"  # Scrapy's PickleFifoDiskQueue, whole records
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
NEWSPORTAL_MAX_LISTING_PAGES = 50  # pages per listing (pagination depth) followed at most
NEWSPORTAL_FOLLOW_RELATED = True  # follow related / hot-story links from article pages
NEWSPORTAL_MAX_ARTICLE_PAGES = 20  # pages of one multi-page article merged at most
# Links whose URL shape says neither article nor listing are fetched and judged by their content
# (newsportal.extract.pagekind): how portals no profile knows are crawled. They are followed from
# listings and from related-story blocks only, never from other page kinds.
NEWSPORTAL_FOLLOW_UNKNOWN = True
NEWSPORTAL_UNKNOWN_DEPTH = 3  # unknown-shape hops in a row at most (a listing-shaped URL resets it)
NEWSPORTAL_MAX_UNKNOWN_PAGES = 2000  # unknown-shape pages fetched per crawl at most

# --- repeated, unattended runs (cron) ---------------------------------------------------------------
# Incremental: articles an earlier run emitted are not fetched again, except those published less
# than NEWSPORTAL_REFRESH_HOURS ago, which are re-fetched; a changed body is emitted again with
# updated_at and version + 1. Listings are always re-read.
NEWSPORTAL_INCREMENTAL = True
NEWSPORTAL_REFRESH_HOURS = 48
# Resume: article requests are journaled in the state directory until finished; a run after a crash
# (kill -9, OOM, reboot) recovers the dead run's feed and fetches what it left unfinished first.
NEWSPORTAL_RESUME = True
SCHEDULER = "newsportal.scheduler.JournalingScheduler"
SPIDER_MIDDLEWARES = {
    # DEPTH_LIMIT as Scrapy's, but a later page of an article keeps its first page's depth
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "newsportal.middlewares.ArticleDepthMiddleware": 900,
    "newsportal.middlewares.IncrementalMiddleware": 800,
    "newsportal.middlewares.ResumeMiddleware": 850,
    # every request the spider yields, start requests included, against the URL policy
    "newsportal.urlguard.UrlGuardSpiderMiddleware": 950,
    # links per page and the run's budgets: last before the engine (after stored articles are skipped)
    "newsportal.budgets.CrawlBudgetMiddleware": 10,
}

# Pages are parsed and extracted in this many worker processes beside Scrapy's ("auto": one when
# the machine has a second core, none on one core; 0: in the crawl's own process).
NEWSPORTAL_EXTRACT_WORKERS = "auto"

# Resolve relative dates (3小时前, 昨天 12:30, 03-14 20:02) against this ISO time instead of the fetch
# time. Empty = the fetch time. For re-extracting archived pages and for reproducible tests.
NEWSPORTAL_REFERENCE_TIME = ""

# --- the item pipelines: clean → validate → dedup → state ------------------------------------------
ITEM_PIPELINES = {
    "newsportal.pipelines.clean.CleanPipeline": 100,
    "newsportal.pipelines.validate.ValidatePipeline": 200,
    "newsportal.pipelines.dedup.DedupPipeline": 300,
    # last: records what passed every pipeline in the state store
    "newsportal.pipelines.state.StatePipeline": 900,
}
NEWSPORTAL_MIN_BODY_CHARS = 20  # bodies shorter than this (non-space characters) are dropped
NEWSPORTAL_MIN_UNDATED_BODY_CHARS = 80  # an undated page with less text is not an article (video, gallery)
NEWSPORTAL_MIN_YEAR = 1990  # published_at before this year is dropped as not credible
NEWSPORTAL_FUTURE_TOLERANCE_HOURS = 24  # published_at later than now + this is dropped
# where emitted articles are remembered across runs: auto = redis when NEWSPORTAL_REDIS_URL is set
# (shared by the cluster's workers), else sqlite; "sqlite" keeps SQLite even in a cluster (workers on
# one machine sharing NEWSPORTAL_STATE_DIR)
NEWSPORTAL_STATE_BACKEND = "auto"
NEWSPORTAL_STATE_DIR = ".newsportal"  # state dir: seen articles, fingerprints, run locks, resume journal
NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD = 0.4  # estimated 3-gram Jaccard at which a body is a near-duplicate
NEWSPORTAL_KEEP_DUPLICATES = False  # True: content/near duplicates pass with duplicate_of set, not dropped

# --- limits: sizes, trees and memory (one hostile page must not cost the run) ---------------------
# News pages weigh tens to hundreds of kB (the largest of ours: 0.6 MB). Scrapy stops a download over
# DOWNLOAD_MAXSIZE (as announced, as received, and once decompressed: a gzip bomb costs at most this);
# newsportal.guards counts each hit as newsportal/limits/download_too_large and names the URL.
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024  # larger bodies are logged and counted (newsportal/limits/download_warnsize)
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's decompression, its size limits counted (newsportal.guards)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newsportal.guards.SizeLimitedCompressionMiddleware": 590,
}
# A page whose extraction raises is dropped and counted (newsportal/dropped/extraction_failed), not the run.
SPIDER_MIDDLEWARES["newsportal.guards.ExtractionGuardMiddleware"] = 960
# Longer bodies (non-space characters) are dropped as body_too_long, not cut: no story is that long (ours:
# 13,400); a split article whose pages so far hold twice this fetches no further page. 0: no limit.
NEWSPORTAL_MAX_BODY_CHARS = 100_000

# --- output ------------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"  # Chinese unescaped in the JSON Lines feed
FEED_EXPORT_FIELDS = None
# The default feed: one JSON Lines file per run, <output dir>/<site>/<UTC start>.jsonl, published
# atomically (written as .part, renamed when complete). Used when no feed is given: `-o`/`-O` (or
# FEEDS) replace it; empty NEWSPORTAL_DEFAULT_FEED turns it off.
NEWSPORTAL_OUTPUT_DIR = "output"
NEWSPORTAL_DEFAULT_FEED = "%(output_dir)s/%(site)s/%(run)s.jsonl"
FEED_URI_PARAMS = "newsportal.feeds.uri_params"
FEED_STORAGES = {
    "": "newsportal.feeds.AtomicFileFeedStorage",
    "file": "newsportal.feeds.AtomicFileFeedStorage",
}

# Where the run's stats go, as JSON beside the feed: <output dir>/<site>/<run>.stats.json
NEWSPORTAL_WRITE_STATS = True
# A run whose errors (failed fetches + ERROR log lines) exceed this share of its requests exits 74.
NEWSPORTAL_MAX_ERROR_RATE = 0.2

EXTENSIONS = {
    "newsportal.extensions.summary.RunSummary": 500,
    "newsportal.extensions.gctuning.GcTuning": 0,
}
# Young-generation threshold of Python's garbage collector during a crawl; startup objects are frozen
# out of collections too (newsportal.extensions.gctuning). 0: Python's defaults (700, nothing frozen).
NEWSPORTAL_GC_THRESHOLD = 7000

# --- waiting as the server asks, and verdicts that tell the truth -------------------------------
# Retry-After on a 429 / 503 holds every request to that domain (newsportal.extensions.pacing); a
# longer wait is cut to this many seconds (counted newsportal/retry_after/capped).
NEWSPORTAL_MAX_RETRY_AFTER = 120
# robots.txt Crawl-delay, honoured per domain as the larger of it and the slot's own delay, at most this.
NEWSPORTAL_MAX_CRAWL_DELAY = 30
# A run whose article pages are bot walls (captcha, rate-limit notice, JS challenge) more than this
# share of the time exits 65 with the verdict bot_wall (newsportal.extract.botwall).
NEWSPORTAL_MAX_BOT_WALL_RATE = 0.5
# Each errback counts and logs its failed request (newsportal/errors/<kind>); Scrapy's own line for
# a request that ran out of retries is a warning, so one failure is not counted twice as an error.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
# the extension that does the waiting, added to EXTENSIONS above (kept in this block)
EXTENSIONS["newsportal.extensions.pacing.ServerPacing"] = 510
# --- URL guard and crawl budgets (newsportal.urlpolicy, .urlguard, .budgets) -----------------------
# Only http(s) is fetched, and hosts on loopback / private / link-local (cloud metadata) / reserved
# addresses are refused, by name (resolved through Scrapy's DNS cache) or literal; the sample portal's
# server and a private -a start_url's own host:port are the site's own. True: allow every host (intranet).
NEWSPORTAL_ALLOW_PRIVATE_HOSTS = False
NEWSPORTAL_MAX_LINKS_PER_PAGE = 1000  # requests taken from one page at most (page order); 0: no bound
NEWSPORTAL_MAX_LISTING_PAGES_TOTAL = 10000  # listing pages scheduled per run at most; 0: no bound
NEWSPORTAL_MAX_REQUESTS = 200000  # requests scheduled per run at most; 0: no bound
DOWNLOADER_MIDDLEWARES = {
    **DOWNLOADER_MIDDLEWARES,
    # first: before robots.txt is fetched for a refused host
    "newsportal.urlguard.UrlGuardDownloaderMiddleware": 50,
    # on the way back, before RedirectMiddleware (600) and MetaRefreshMiddleware (580) follow a target
    "newsportal.urlguard.RedirectGuardMiddleware": 650,
}

# --- engine defaults -----------------------------------------------------------------------------
LOG_LEVEL = "INFO"
LOG_FORMATTER = "newsportal.logformatter.NewsportalLogFormatter"
TELNETCONSOLE_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
SPIDER_CONTRACTS = {"newsportal.contracts.SampleUrlContract": 10}

# --- security defaults (issue 12) ----------------------------------------------------------------
# Nothing in a crawl listens on a port but the offline sample portal (127.0.0.1 only). Scrapy 2.19's
# remote-control endpoint runs any Python sent to it and writes a token file per crawl (kept after a
# kill -9): off unless asked for (-s REMOTE_CONTROL_ENABLED=True). The telnet console is off above.
REMOTE_CONTROL_ENABLED = False
# With it on, each crawl removes the job (token) files that killed crawls left behind.
EXTENSIONS = {**EXTENSIONS, "newsportal.extensions.remotecontrol.StaleJobFiles": 0}

# --- monitoring (Spidermon; newsportal.monitoring) ------------------------------------------------
# Field coverage per run in the stats, every item checked against `newsportal schema`, a rotting
# profile noticed against the site's recent runs (verdict `degraded`, exit 79), a person told.
SPIDERMON_ENABLED = True
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True  # a field is covered by a value: not None, "", [] or {}
# before RunSummary (500): the monitors' findings are in the stats when the verdict is made
EXTENSIONS["newsportal.monitoring.history.SiteHistory"] = 390
# Spidermon itself, its per-item field counts written in one go (newsportal.monitoring.coverage)
EXTENSIONS["newsportal.monitoring.coverage.FieldCountingSpidermon"] = 400
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newsportal.monitoring.suites.RunHealthSuite"]
SPIDERMON_ENGINE_STOP_MONITORS = ["newsportal.monitoring.suites.NotifySuite"]
SPIDERMON_VALIDATION_SCHEMAS = ["newsportal.monitoring.ARTICLE_SCHEMA"]
# what is emitted; Spidermon's pipeline with the schema compiled once (newsportal.monitoring.validation)
ITEM_PIPELINES["newsportal.monitoring.validation.ItemValidationPipeline"] = 850
NEWSPORTAL_MONITOR_FIELDS = ["title", "body", "published_at", "author", "source", "images"]
NEWSPORTAL_MONITOR_HISTORY = 5  # the site's recent runs (that ran to their end) compared with
NEWSPORTAL_MONITOR_MIN_ITEMS = 10  # runs with fewer items (articles seen) are too small to judge
# degraded when a field's coverage falls below (1 - this) × its median over the recent runs (80 % → < 40 %)
NEWSPORTAL_MONITOR_MAX_COVERAGE_DROP = 0.5
# degraded when the articles seen fall below (1 - this) × the recent runs' median
NEWSPORTAL_MONITOR_MAX_COUNT_DROP = 0.7
# A run whose exit code needs a person (not 0, 75, 130) is mailed to these addresses through Scrapy's
# MAIL_HOST / MAIL_PORT / MAIL_FROM / MAIL_USER / MAIL_PASS / MAIL_TLS / MAIL_SSL, and posted as JSON
# ({"text": ...}: a Slack incoming webhook takes it) to these URLs. Empty: not sent.
NEWSPORTAL_NOTIFY_EMAIL_TO = []
NEWSPORTAL_NOTIFY_WEBHOOKS = []
# --- for the people who run it (issue 15) ----------------------------------------------------------
# Who the portals' admins can reach: a URL or mailto: address, added to the User-Agent as
# "newsportal/0.1 (news research crawler; +<contact>)". No default: a crawl of a portal on the
# internet without it exits 64 and says so (the bundled sample portal and loopback servers need none).
NEWSPORTAL_CONTACT = ""
# A progress line every this many seconds (Scrapy's PeriodicLog: newsportal.extensions.progress), at
# this level: WARNING keeps it in a log run at LOG_LEVEL=WARNING. 0: no progress line.
NEWSPORTAL_PROGRESS_INTERVAL = 60
NEWSPORTAL_PROGRESS_LOG_LEVEL = "INFO"
PERIODIC_LOG_STATS = {
    "include": [
        "response_received_count",
        "item_scraped_count",
        "newsportal/dropped/",
        "newsportal/duplicates/",
        "newsportal/refresh/",
        "newsportal/errors/",
    ]
}
PERIODIC_LOG_DELTA = {"include": ["response_received_count", "item_scraped_count"]}
EXTENSIONS = {**EXTENSIONS, "newsportal.extensions.progress.ProgressLog": 0}
# --- a cluster on Redis (issue 14; newsportal.state: frontier, dupefilter, job, output, politeness) ---
# Set NEWSPORTAL_REDIS_URL (redis://HOST:6379/0) and the same `scrapy crawl portal ...` on N machines
# (or N times on one) crawls one job together; empty: a local crawl, as without it. README: "Running
# a cluster". Redis must keep its data across a restart: appendonly yes, appendfsync everysec.
NEWSPORTAL_REDIS_URL = ""
NEWSPORTAL_CLUSTER_IDLE = 10.0  # the job is done after its frontier is empty and still this long (s)
NEWSPORTAL_CLUSTER_LEASE = 30.0  # a dead worker's leases return to the others after this (s)
NEWSPORTAL_CLUSTER_BATCH = 4  # frontier entries leased by one read
NEWSPORTAL_CLUSTER_BACKOFF_MAX = 5.0  # longest wait between tries while Redis is down (s)
NEWSPORTAL_CLUSTER_KEEP_DAYS = 7  # a finished job's keys (frontier, items, stats) expire after this
NEWSPORTAL_REDIS_STATE_PREFIX = "newsportal:state:"  # keys of the shared state store (all sites)
# The frontier's form is picked from NEWSPORTAL_REDIS_URL (local: newsportal.scheduler's, as before).
SCHEDULER = "newsportal.state.frontier.Frontier"
ADDONS = {"newsportal.state.job.ClusterAddon": 0}
EXTENSIONS = {**EXTENSIONS, "newsportal.state.job.ClusterWorker": 520}
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES, "newsportal.state.politeness.ClusterPoliteness": 950}
# --- discovery: sitemaps, feeds, date archives, backfill (issue 17; newsportal.spiders.discovery) -----
# URL sources read before the listings: robots.txt Sitemap: lines (or the profile's sitemaps), RSS /
# Atom feeds (the profile's, or <link rel="alternate"> on listings), the profile's date archive pages.
NEWSPORTAL_DISCOVERY = True
NEWSPORTAL_SITEMAP_MAXSIZE = 50 * 1024 * 1024  # bytes of a sitemap, downloaded or gunzipped (protocol: 50 MB)
NEWSPORTAL_SITEMAP_MAX_URLS = 50_000  # entries read from one sitemap (the protocol's limit); more: counted
NEWSPORTAL_MAX_SITEMAPS = 500  # sitemap files read per run
NEWSPORTAL_SITEMAP_DEPTH = 3  # sitemap index levels followed (an index of indexes of urlsets is 2)
NEWSPORTAL_FEED_MAX_ENTRIES = 1000  # entries read from one feed
NEWSPORTAL_ARCHIVE_DAYS = 2  # without -a since: date archive pages of this many days, today included
# Incremental runs: a listing page whose stories were all known before the run (stored, or unchanged in
# the sitemap) is not paged further; its later pages are older still.
NEWSPORTAL_STOP_PAGING_WHEN_KNOWN = True
# A backfill (-a since) drops stories the page dates outside the range (newsportal/dropped/out_of_range).
ITEM_PIPELINES["newsportal.pipelines.daterange.DateRangePipeline"] = 250
# robots.txt downloaded once: the response discovery read is given to Scrapy's RobotsTxtMiddleware
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES, "newsportal.spiders.discovery.RobotsTxtOnce": 60}
# --- crawl-process CPU (issue 16) --------------------------------------------------------------------
# JSON Lines feeds: Scrapy's exporter, the same bytes, a dataclass item's line built without ItemAdapter
FEED_EXPORTERS = {fmt: "newsportal.feeds.JsonLinesExporter" for fmt in ("jsonlines", "jsonl", "jl")}
