"""The unseen portal: a news portal no site profile knows, generated at test time for the generic crawl.

Its markup differs on purpose from the sample portal and from Sohu, and it mixes the shapes real
Chinese portals use (all text is composed here from word lists; nothing is copied from a real site):

* articles at Sina-like dated paths ``/2026-03-14/doc-i<id>.shtml``, at ``/news/2026/03/14/<7 digits>.html``,
  at shapes no rule knows (``/kuaixun/<slug>.htm``) and at listing-like ``/zhuanlan/<slug>/``; three
  layouts: ``div.article-content`` with ``span.date``, no class attributes at all, and ``p.info`` with
  ``div.txt``;
* listings: ``/roll/index.shtml`` … ``index_5.shtml`` (numbered pager + 下一页), ``/news/china/`` with
  ``?page=2`` (``>`` and rel=next; endless empty pages after the last, a pagination trap),
  ``/caijing/zixun.shtml`` (a shape no rule knows) with ``?p=2`` (下页), a topic page, archive days;
* related-story blocks (``div.blk-related``, a bare 相关阅读 heading, ``div.tuijian``), some stories
  reachable only through them, and a hot list of article links beside the body;
* traps: tag, author, search, login, about, video and image links (denied shapes); a calendar with
  endless months (unknown shape, not a listing); video pages and photo galleries at article-shaped
  URLs (not articles); an author card (unknown shape, not an article); a robots.txt-disallowed story;
  a dead link; links to another host (``other_base``) that must never be fetched.

``build_unseen_portal(root, other_base)`` writes the files and returns an ``UnseenPortal`` that
knows its real articles (``article_paths``) and answers the dynamic pages (``dynamic``) for
``tests.portals.server.PortalServer``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

# --- words the text is composed from ---------------------------------------------------------------
PLACES = [
    "江城", "青州", "临海", "云岭", "白沙", "松原", "东湖", "北川", "南屿", "西山", "桐乡", "柳岸",
    "石门", "清河", "望江", "梅岭", "金沙", "玉泉", "霞浦", "长汀",
]  # fmt: skip
ACTORS = [
    "市民", "农户", "科研团队", "志愿者", "社区居民", "中小企业", "高校学生", "环保部门", "交通部门",
    "文旅部门", "街道办", "医疗机构", "图书馆", "气象台", "消防救援队",
]  # fmt: skip
ACTIONS = ["推出", "启动", "完成", "试点", "开展", "升级", "发布", "落地", "扩建", "迎来"]
THINGS = [
    "智慧公交线路", "春季植树活动", "老旧小区改造", "数字图书馆", "夜间经济街区", "湿地保护计划",
    "农产品直播节", "社区养老服务", "新能源充电网络", "青少年科普周", "河道清淤工程", "非遗手作市集",
    "乡村骑行绿道", "防汛应急演练", "校园午餐改革", "城市口袋公园", "冷链物流中心", "全民健身赛事",
    "旧厂房创意园", "山区远程诊疗",
]  # fmt: skip
DETAILS = [
    "预计惠及数万人次", "首批项目已进入实施阶段", "相关负责人表示将持续跟进", "活动吸引了众多市民参与",
    "现场秩序井然", "后续还将开放线上预约", "多方力量共同推进", "不少参与者表示收获颇丰",
    "工作人员提前做好了准备", "配套设施正在同步完善", "整体进度比预期更快", "各项指标均达到要求",
]  # fmt: skip
OPENERS = ["记者了解到，", "据介绍，", "今年以来，", "与此同时，", "值得一提的是，", "另据统计，", "此外，"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "丽华", "志强", "晓燕", "海峰", "秀英", "文博", "静怡", "国栋", "雨桐", "子轩", "明辉"]
ROLES = ["项目负责人", "社区书记", "一线工作人员", "参与活动的居民", "合作企业代表", "带队老师"]
SPOTS = ["老街口", "滨江码头", "文化广场", "东门社区", "火车站前", "新区管委会", "中心菜市场", "湖畔步道"]
USES = ["设备更新", "人员培训", "场地改造", "后期运维", "宣传推广", "应急储备"]
METRICS = ["客流量", "报名人数", "线上访问量", "日均订单", "志愿服务时长", "平均通勤时间"]
ORGS = ["当地统计部门", "主办方", "街道办事处", "行业协会", "区发展改革局", "第三方机构"]
COMMENTS = ["增幅居全省前列", "创下近年新高", "明显好于年初预期", "呈现稳中向好态势", "结构进一步优化"]
FINISHES = ["全面完工", "投入试运行", "完成验收", "对外开放", "实现全覆盖"]
BENEFITS = ["周边居民出行将更加便利", "游客可以就近体验", "更多家庭将直接受益", "通行效率有望提升三成"]
EVENTS = ["周末公益课", "技能培训班", "亲子读书会", "环保徒步", "义诊咨询", "创业沙龙"]
ADVS = ["一大早就", "连续多日", "冒雨", "利用午休时间", "自发组织", "轮班"]
DEEDS = ["清理积存杂物", "为老人测量血压", "发放宣传手册", "调试新装设备", "记录水质数据", "引导车辆停放"]
RESULTS = ["赢得不少点赞", "效果立竿见影", "问题很快得到解决", "现场气氛热烈", "一些老问题有了新办法"]
UNITS = ["乡镇", "社区", "行政村", "学校", "园区"]
PHRASES = [
    "我们希望把好事办实、把实事办好", "这样的变化，大家都看在眼里", "下一步会根据反馈继续调整",
    "参与进来以后，才知道其中的门道", "只要方向对了，就不怕路远", "细节做好了，群众自然满意",
]  # fmt: skip
SOURCES = ["江城日报", "青州晚报", "临海新闻网", "云岭广播电视台", "本网"]
AUTHORS = ["林晓", "周岚", "许明远", "唐一帆", "何青", "郑秋实"]
SLUG_WORDS = ["spring", "river", "market", "harbor", "garden", "bridge", "valley", "school", "metro", "lake"]
TAG_WORDS = ["民生", "城建", "环保", "教育", "交通", "文旅"]

N_ARTICLES = 120
MARKUPS = ("sina", "plain", "box")


@dataclass
class Story:
    path: str  # URL path on the portal
    title: str
    published: datetime
    source: str
    author: str
    paragraphs: list[str]
    channel: str  # roll | china | caijing | topic | related (reachable only through related blocks)
    markup: str  # one of MARKUPS
    related: list[int] = field(default_factory=list)  # indexes of related stories
    hot: list[int] = field(default_factory=list)  # indexes shown in the side hot list


@dataclass
class UnseenPortal:
    root: Path
    other_base: str  # another host's base URL: linked, never to be fetched
    stories: list[Story]
    endless_listing: str = "/news/china/"  # ?page=N beyond the last page answers an empty page forever
    calendar_prefix: str = "/calendar/"  # any /calendar/YYYY-MM.shtml answers a month page

    @property
    def article_paths(self) -> set[str]:
        return {s.path for s in self.stories}

    def dynamic(self, path: str) -> str | None:
        """Generated answers for the link traps; None: serve the files."""
        m = re.fullmatch(r"/calendar/(\d{4})-(\d{2})\.shtml", path)
        if m:
            return _calendar_page(int(m[1]), int(m[2]))
        m = re.fullmatch(re.escape(self.endless_listing) + r"\?page=(\d+)", path)
        if m and int(m[1]) > 3:
            return _empty_listing_page(int(m[1]))
        return None


# --- text ------------------------------------------------------------------------------------------


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _sentence(rng: random.Random) -> str:
    """One sentence of a story, from one of eight templates with words and numbers drawn by rng."""
    c = rng.choice
    month, day, n, pct = rng.randint(1, 3), rng.randint(1, 28), rng.randint(3, 980), rng.randint(2, 65)
    templates = (
        lambda: f"{c(OPENERS)}{c(PLACES)}{c(ACTORS)}{c(ACTIONS)}{c(THINGS)}，{c(DETAILS)}。",
        lambda: f"截至{month}月{day}日，{c(PLACES)}已累计建成{c(THINGS)}{n}处，覆盖{pct}个{c(UNITS)}。",
        lambda: f"{c(ROLES)}{_person(rng)}介绍，项目总投资约{n}万元，其中{pct}%用于{c(USES)}。",
        lambda: f"在{c(PLACES)}{c(SPOTS)}，{c(ACTORS)}{c(ADVS)}{c(DEEDS)}，{c(RESULTS)}。",
        lambda: f"据{c(ORGS)}统计，{month}月份{c(METRICS)}同比增长{pct}.{n % 10}%，{c(COMMENTS)}。",
        lambda: f"“{c(PHRASES)}。”{c(ROLES)}{_person(rng)}说。",
        lambda: f"按照计划，{c(THINGS)}将于{month + 1}月底前{c(FINISHES)}，届时{c(BENEFITS)}。",
        lambda: f"{c(PLACES)}共有{n}人报名参加了{c(EVENTS)}，年龄最大的{pct + 20}岁，{c(DETAILS)}。",
    )
    return c(templates)()


def _paragraphs(rng: random.Random, title: str, short: bool) -> list[str]:
    out = [f"{title}。{_sentence(rng)}"]
    for _ in range(1 if short else rng.randint(3, 7)):
        out.append("".join(_sentence(rng) for _ in range(4 if short else rng.randint(2, 4))))
    return out


def _unique_title(rng: random.Random, used: set[str]) -> str:
    while True:
        title = f"{rng.choice(PLACES)}{rng.choice(ACTORS)}{rng.choice(ACTIONS)}{rng.choice(THINGS)}"
        if rng.random() < 0.3:
            title += f"：{rng.choice(DETAILS)}"
        if title not in used:
            used.add(title)
            return title


# --- the portal ------------------------------------------------------------------------------------


def build_unseen_portal(root: Path, other_base: str, seed: int = 20260314) -> UnseenPortal:
    """Write the portal under root (created) and return what it holds. Same seed, same portal."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    titles: set[str] = set()
    ids: set[str] = set()

    def uid(make) -> str:
        while (value := make()) in ids:
            pass
        ids.add(value)
        return value

    def path_for(shape: str, day: int) -> str:
        if shape == "sina":
            doc = uid(
                lambda: "".join(rng.choices("abcdefghkmnpqrstuvwxyz", k=4)) + f"{rng.randrange(10**7, 10**8)}"
            )
            return f"/2026-03-{day:02d}/doc-i{doc}.shtml"
        if shape == "dated":
            return f"/news/2026/03/{day:02d}/" + uid(lambda: f"{rng.randrange(10**6, 10**7)}") + ".html"
        slug = uid(lambda: f"{rng.choice(SLUG_WORDS)}-{rng.choice(SLUG_WORDS)}-{rng.randrange(1000, 9999)}")
        return f"/kuaixun/{slug}.htm" if shape == "slug" else f"/zhuanlan/{slug}/"

    # channel → URL shapes of its stories (counts add up to N_ARTICLES)
    plan = [
        ("roll", "sina", 40), ("roll", "dated", 20),
        ("china", "dated", 18), ("china", "dir", 7),
        ("caijing", "slug", 10), ("caijing", "sina", 8),
        ("topic", "dated", 5),
        ("related", "slug", 6), ("related", "sina", 6),
    ]  # fmt: skip
    stories: list[Story] = []
    for channel, shape, count in plan:
        for _ in range(count):
            day = rng.randint(1, 20)
            published = datetime(2026, 3, day, rng.randint(6, 22), rng.randint(0, 59))
            title = _unique_title(rng, titles)
            short = rng.random() < 0.15  # a 快讯 of two paragraphs
            stories.append(
                Story(
                    path=path_for(shape, day),
                    title=title,
                    published=published,
                    source=rng.choice(SOURCES),
                    author=rng.choice(AUTHORS),
                    paragraphs=_paragraphs(rng, title, short),
                    channel=channel,
                    markup=MARKUPS[len(stories) % len(MARKUPS)],
                )
            )
    assert len(stories) == N_ARTICLES
    listed = [i for i, s in enumerate(stories) if s.channel != "related"]
    url_shaped = [i for i in listed if stories[i].channel == "roll"]
    for i, story in enumerate(stories):
        story.related = rng.sample([j for j in listed if j != i], 3)
        story.hot = rng.sample([j for j in url_shaped if j != i], 6)
    # each related-only story is linked from three listed stories, one of them on the roll listing
    for k in (i for i, s in enumerate(stories) if s.channel == "related"):
        for j in [rng.choice(url_shaped), *rng.sample(listed, 2)]:
            if k not in stories[j].related and j != k:
                stories[j].related.append(k)

    portal = UnseenPortal(root=root, other_base=other_base, stories=stories)
    _write_portal(portal, rng)
    return portal


def _write(root: Path, path: str, html: str) -> None:
    rel = path.lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def _write_portal(portal: UnseenPortal, rng: random.Random) -> None:
    root, stories, other = portal.root, portal.stories, portal.other_base
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    for i, story in enumerate(stories):
        _write(root, story.path, _article_page(story, stories, other, rng, i))

    by_channel: dict[str, list[Story]] = {}
    for story in sorted(stories, key=lambda s: s.published, reverse=True):
        by_channel.setdefault(story.channel, []).append(story)

    # /roll/: 5 pages of 12, numbered pager and 下一页; the video pages sit among the stories
    roll = by_channel["roll"]
    pages = [roll[n : n + 12] for n in range(0, len(roll), 12)]
    for n, items in enumerate(pages, start=1):
        extra = _VIDEO_PAGES if n == 1 else ()
        _write(
            root,
            "/roll/index.shtml" if n == 1 else f"/roll/index_{n}.shtml",
            _roll_page(items, n, len(pages), extra),
        )

    # /news/china/: 3 pages of 10 with ?page=N, then endless empty pages (dynamic)
    china = by_channel["china"]
    for n in range(1, 4):
        items = china[(n - 1) * 10 : n * 10]
        name = "/news/china/" if n == 1 else f"/news/china/index__page={n}.html"
        _write(root, name, _china_page(items, n))

    # /caijing/zixun.shtml: a listing whose URL shape no rule knows, two pages with ?p=2
    caijing = by_channel["caijing"]
    _write(root, "/caijing/zixun.shtml", _caijing_page(caijing[:9], 1))
    _write(root, "/caijing/zixun__p=2.shtml", _caijing_page(caijing[9:], 2))

    _write(root, "/topic/chunjiang/", _topic_page(by_channel["topic"]))

    # archive days: listing-shaped pages of real stories
    days = sorted({s.published.day for s in stories if s.channel != "related"})[:3]
    for day in days:
        items = [s for s in stories if s.published.day == day and s.channel != "related"]
        _write(root, f"/archive/2026/03/{day:02d}/", _archive_page(day, items))

    for video in _VIDEO_PAGES:
        _write(root, video[0], _video_page(*video))
    for gallery in _GALLERIES:
        _write(root, gallery[0], _gallery_page(*gallery, stories))
    for name, bio in _COLUMNISTS.items():
        _write(root, f"/zuozhe/{name}.shtml", _columnist_page(name, bio, rng.sample(stories, 3)))
    _write(root, "/private/2026-03-10/doc-isecret0001.shtml", _article_page(_SECRET, stories, other, rng, 0))

    _write(root, "/", _home_page(portal, days, rng))


# --- page templates ---------------------------------------------------------------------------------

_VIDEO_PAGES = (
    ("/2026-03-12/doc-ivideoa0001.shtml", "视频｜江城夜间经济街区实拍", "2026-03-12 21:10"),
    ("/2026-03-15/doc-ivideob0002.shtml", "视频｜云岭春季植树活动现场", "2026-03-15 09:30"),
)
_GALLERIES = (
    ("/photo/2026-03-13/slide_40001.html", "组图：临海湿地迎来候鸟"),
    ("/photo/2026-03-16/slide_40002.html", "组图：桐乡非遗手作市集开市"),
)
_COLUMNISTS = {
    "linxiao": "林晓，资深城市观察者，长期关注公共交通与社区治理，著有多部随笔集。",
    "zhoulan": "周岚，从事环境报道十余年，关注湿地与河流保护。",
}
_SECRET = Story(
    path="/private/2026-03-10/doc-isecret0001.shtml",
    title="内部稿件不应被抓取",
    published=datetime(2026, 3, 10, 8, 0),
    source="本网",
    author="林晓",
    paragraphs=["这是一篇被 robots.txt 禁止抓取的稿件，用来检验爬虫是否遵守规则。" * 3],
    channel="private",
    markup="sina",
)


def _doc(title: str, body: str, *, head_extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}_望江新闻网</title>{head_extra}</head>\n<body>\n{body}\n</body></html>\n"
    )


def _nav(other: str = "") -> str:
    off = f'<a href="{other}">合作伙伴</a>' if other else ""
    return (
        '<div class="topnav"><a href="/">首页</a> <a href="/roll/index.shtml">滚动</a> '
        '<a href="/news/china/">国内</a> <a href="/caijing/zixun.shtml">财经</a> '
        '<a href="/video/">视频</a> <a href="/login.html">登录</a> '
        f'<a href="/search?q=%E6%96%B0%E9%97%BB">搜索</a> {off}</div>'
    )


def _footer() -> str:
    return (
        '<div class="footer"><a href="/about.html">关于我们</a> <a href="/about.html#contact">联系我们</a> '
        '<a href="/app/download.html">客户端下载</a><p>望江新闻网 版权所有</p></div>'
    )


def _when(story: Story, style: str) -> str:
    dt = story.published
    if style == "cn":
        return f"{dt.year}年{dt.month:02d}月{dt.day:02d}日 {dt.hour:02d}:{dt.minute:02d}"
    if style == "slash":
        return f"{dt.year}/{dt.month:02d}/{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}"
    return dt.strftime("%Y-%m-%d %H:%M")


def _link(story: Story) -> str:
    return f'<a href="{story.path}" target="_blank">{escape(story.title)}</a>'


def _article_page(story: Story, stories: list[Story], other: str, rng: random.Random, index: int) -> str:
    paras = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    related = "".join(f"<li>{_link(stories[j])}</li>" for j in story.related)
    if index % 7 == 0:  # some related lists point off the portal too
        related += (
            f'<li><a href="{other}2026-03-14/doc-ioffsite{index:04d}.shtml">友站：合作媒体的报道</a></li>'
        )
    tag = rng.choice(TAG_WORDS)
    image = f'<img src="/img/2026/03/{story.published.day:02d}/{index + 100000}.jpg" alt="">'
    if story.markup == "sina":
        hot = "".join(f"<li>{_link(stories[j])}</li>" for j in story.hot)
        body = f"""{_nav()}
<div class="main-content w1240">
  <h1 class="main-title">{escape(story.title)}</h1>
  <div class="date-source"><span class="date">{_when(story, "cn")}</span>
    <a class="source" href="{other}">{escape(story.source)}</a></div>
  <div class="article-content" id="artibody">
    <div class="img_wrapper">{image}<span class="img_descr">{escape(story.title[:10])}（资料图）</span></div>
    {paras}
    <p class="article-editor">责任编辑：{escape(story.author)}</p>
  </div>
  <div class="keywords">关键词：<a href="/tag/{tag}.shtml">{tag}</a></div>
  <div class="blk-related"><h3>相关新闻</h3><ul>{related}</ul></div>
  <div class="comment-bar"><a href="/comment/{index}.shtml">我要评论</a></div>
</div>
<div class="side"><h3>热门排行</h3><ol>{hot}</ol>
  <a href="/img/2026/03/14/ad{index}.png"><img src="/img/ad.png" alt=""></a></div>
{_footer()}"""
    elif story.markup == "plain":
        body = f"""<table><tr><td><a href="/">首页</a></td><td><a href="/roll/index.shtml">滚动新闻</a></td>
<td><a href="/print{story.path}">打印</a></td></tr></table>
<div>
<h1>{escape(story.title)}</h1>
<div>{_when(story, "dash")}　来源：{escape(story.source)}
  作者：<a href="/author/{index}.shtml">{escape(story.author)}</a></div>
<div>{paras}</div>
<h4>相关阅读</h4>
<ul>{related}</ul>
</div>
<div><a href="/about.html">关于我们</a></div>"""
    else:
        body = f"""{_nav(other)}
<div class="news-box">
  <div class="crumb"><a href="/">首页</a> &gt; <a href="/news/china/">国内</a> &gt; 正文</div>
  <h1>{escape(story.title)}</h1>
  <p class="info">发布时间：{_when(story, "slash")} | 来源：{escape(story.source)}</p>
  <div class="txt">{paras}<p>（编辑：{escape(story.author)}）</p></div>
  <div class="share"><a href="javascript:void(0)">分享到微博</a> <a href="#top">返回顶部</a></div>
  <div class="tuijian"><div class="tit">为你推荐</div><ul>{related}</ul></div>
</div>
{_footer()}"""
    return _doc(story.title, body, head_extra=f'<meta name="keywords" content="{tag}">')


def _list_items(items, stamp: str = "cn") -> str:
    rows = []
    for s in items:
        dt = s.published
        when = f"({dt.month:02d}月{dt.day:02d}日 {dt.hour:02d}:{dt.minute:02d})"
        rows.append(f"<li>{_link(s)} <span>{when}</span></li>")
    return "".join(rows)


def _roll_page(items: list[Story], n: int, last: int, videos) -> str:
    rows = _list_items(items)
    rows += "".join(f'<li><a href="{v[0]}">{escape(v[1])}</a> <span>(视频)</span></li>' for v in videos)
    if n == 1:
        rows += '<li><a href="/2026-03-09/doc-imissing0001.shtml">这条新闻已被删除的旧链接</a></li>'

    def href(k: int) -> str:
        return "/roll/index.shtml" if k == 1 else f"/roll/index_{k}.shtml"

    pager = "".join(
        f'<span class="pagebox_num_nonce">{k}</span>' if k == n else f'<a href="{href(k)}">{k}</a>'
        for k in range(1, last + 1)
    )
    if n < last:
        pager += f'<a href="{href(n + 1)}" title="下一页">下一页</a>'
    body = f"""{_nav()}
<div class="d_list_txt" id="d_list"><h2>滚动新闻</h2><ul class="list_009">{rows}</ul></div>
<div class="pagebox">{pager}</div>
{_footer()}"""
    return _doc(f"滚动新闻 第{n}页", body)


def _china_page(items: list[Story], n: int) -> str:
    cards = "".join(
        f'<div class="item"><h3>{_link(s)}</h3><p class="summary">{escape(s.paragraphs[0][:70])}…</p>'
        f'<span class="time">{s.published:%Y-%m-%d}</span></div>'
        for s in items
    )
    pages = "".join(f'<a href="?page={k}">{k}</a>' for k in range(1, 4) if k != n)
    pages += f'<a href="?page={n + 1}" rel="next">&gt;</a>'
    body = f"""{_nav()}
<div class="channel"><h2>国内新闻</h2><div class="news-list">{cards}</div>
<div class="pages">{pages}</div></div>
{_footer()}"""
    return _doc(f"国内新闻 第{n}页", body)


def _empty_listing_page(n: int) -> str:
    body = f"""{_nav()}
<div class="channel"><h2>国内新闻</h2><div class="news-list"><p>暂无更多内容</p></div>
<div class="pages"><a href="?page={n - 1}">上一页</a><a href="?page={n + 1}">下一页</a></div></div>"""
    return _doc(f"国内新闻 第{n}页", body)


def _caijing_page(items: list[Story], n: int) -> str:
    rows = "".join(f"<tr><td>{_link(s)}</td><td>{s.published:%m-%d}</td></tr>" for s in items)
    turn = '<a href="zixun.shtml?p=2">下页</a>' if n == 1 else '<a href="zixun.shtml">上页</a>'
    body = f"""{_nav()}
<table width="100%"><tr><td><b>财经资讯</b></td></tr>{rows}</table>
<div class="fy">{turn}</div>
{_footer()}"""
    return _doc("财经资讯", body)


def _topic_page(items: list[Story]) -> str:
    rows = "".join(f"<dd>{_link(s)}</dd>" for s in items)
    intro = "春江水暖，万物复苏。本专题汇集各地春季民生工作的最新进展，持续更新。"
    body = f"""{_nav()}
<div class="topic"><h1>专题：春江行动</h1><p>{intro}</p><dl>{rows}</dl></div>
{_footer()}"""
    return _doc("专题：春江行动", body)


def _archive_page(day: int, items: list[Story]) -> str:
    body = f"""{_nav()}
<div class="archive"><h2>2026年03月{day:02d}日 新闻回顾</h2><ul>{_list_items(items)}</ul></div>
{_footer()}"""
    return _doc(f"3月{day}日新闻回顾", body)


def _calendar_page(year: int, month: int) -> str:
    first = datetime(year, month, 1)
    prev = (first - timedelta(days=1)).strftime("%Y-%m")
    nxt = (first + timedelta(days=32)).strftime("%Y-%m")
    days = "".join(f'<a href="/archive/{year}/{month:02d}/{d:02d}/">{d}</a> ' for d in range(1, 29))
    body = f"""{_nav()}
<div class="calendar"><h2>{year}年{month:02d}月 往期回顾</h2>
<a href="/calendar/{prev}.shtml">上个月</a> <a href="/calendar/{nxt}.shtml">下个月</a>
<div class="days">{days}</div></div>"""
    return _doc(f"{year}年{month}月", body)


def _video_page(path: str, title: str, when: str) -> str:
    body = f"""{_nav()}
<div class="video-wrap"><h1>{escape(title)}</h1><span class="date">{when}</span>
<div class="player"><video src="/media/clip.mp4" controls></video></div>
<p class="desc">时长 01:32。画面来自现场拍摄，欢迎观看。</p></div>
{_footer()}"""
    return _doc(title, body)


def _gallery_page(path: str, title: str, stories: list[Story]) -> str:
    slides = "".join(
        f'<li><img src="/img/slide/{path[-10:-5]}_{k}.jpg" alt=""><p>第{k}张：现场一角</p></li>'
        for k in range(1, 7)
    )
    body = f"""{_nav()}
<div class="gallery"><h1>{escape(title)}</h1><span class="date">2026-03-13 10:00</span><ul>{slides}</ul></div>
<div class="more-pics"><a href="{_GALLERIES[0][0]}">上一图集</a>
  <a href="{_GALLERIES[1][0]}">下一图集</a></div>
{_footer()}"""
    return _doc(title, body)


def _columnist_page(name: str, bio: str, items: list[Story]) -> str:
    rows = "".join(f"<li>{_link(s)}</li>" for s in items)
    body = f"""{_nav()}
<div class="columnist"><h1>专栏作者</h1><p>{escape(bio)}</p><p>入驻时间：2024年05月20日</p>
<h3>最新文章</h3><ul>{rows}</ul></div>
{_footer()}"""
    return _doc("专栏作者", body)


def _home_page(portal: UnseenPortal, days: list[int], rng: random.Random) -> str:
    stories, other = portal.stories, portal.other_base
    listed = [s for s in stories if s.channel in ("roll", "china")]
    top = "".join(f"<li>{_link(s)}</li>" for s in rng.sample(listed, 10))
    galleries = "".join(f'<li><a href="{g[0]}">{escape(g[1])}</a></li>' for g in _GALLERIES)
    columnists = "".join(f'<a href="/zuozhe/{n}.shtml">{n}</a> ' for n in _COLUMNISTS)
    archive = "".join(f'<a href="/archive/2026/03/{d:02d}/">3月{d}日</a> ' for d in days)
    body = f"""{_nav(other)}
<div class="headline"><h2>要闻</h2><ul>{top}</ul></div>
<div class="pics"><h2>图片</h2><ul>{galleries}</ul>
  <a href="/img/2026/03/14/123456.jpg"><img src="/img/2026/03/14/123456_s.jpg" alt=""></a></div>
<div class="channels"><a href="/topic/chunjiang/">专题：春江行动</a> <a href="/tag/民生.shtml">民生</a>
  <a href="/calendar/2026-03.shtml">新闻日历</a> {archive}</div>
<div class="cols"><h2>专栏</h2>{columnists}</div>
<div class="partners"><a href="{other}2026-03-14/doc-ioffsite9999.shtml">友站头条：合作媒体的报道</a>
  <a href="{other}roll/index.shtml">友站滚动</a>
  <a href="/private/2026-03-10/doc-isecret0001.shtml">内部稿件</a></div>
{_footer()}"""
    return _doc("望江新闻网", body)
