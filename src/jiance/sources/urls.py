"""One spelling per page: the canonical URL that identifies an article however it was linked or shared.

The same article reaches us as ``HTTP://WWW.Example.cn:80/a/1.html?utm_source=wx#top``, through a
WeChat share (``?from=singlemessage&isappinstalled=0``), or with its query in another order. The
canonical form is the identity used to de-duplicate links and articles; it is *not* necessarily the URL
to fetch (fetch what the page linked), so it may drop things a server would tolerate.

Decisions:

- scheme and host lower-cased, IDN hosts in punycode, default ports (80, 443) and the fragment dropped;
- percent-encoding normalised: unreserved characters decoded, other escapes upper-cased, raw non-ASCII
  (a Chinese path) encoded as UTF-8; ``.`` and ``..`` segments resolved; an empty path is ``/``;
- tracking parameters removed (:data:`TRACKING_PARAMS`, :data:`TRACKING_PREFIXES`, and for WeChat
  articles :data:`WECHAT_PARAMS`), the rest sorted by name then value;
- a trailing static directory index (``index.html``, ``index.htm``, ``index.shtml``, ``default.htm``,
  ``default.html``) is removed: ministry sites link ``/xwdt/gxdt/`` and ``/xwdt/gxdt/index.html``
  interchangeably, and they are one page. Dynamic indexes (``index.php``, ``index.jsp``) are kept,
  because with a query they are dispatchers whose meaning we cannot know.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "WECHAT_PARAMS",
    "canonical_url",
    "registrable_domain",
    "same_site",
]

#: Query parameters that say how a reader arrived, never which page they read.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "spm_id_from",
        "from",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "scene",
        "srcid",
        "isappinstalled",
        "wxfrom",
        "wx_fmt",
        "tt_from",
        "tt_medium",
        "vd_source",
        "timestamp",
        "ref",
    }
)
#: Prefixes of families of tracking parameters (``utm_source``, ``sharer_shareid``, ``share_token`` ...).
TRACKING_PREFIXES = ("utm_", "sharer_", "share_")
#: On mp.weixin.qq.com only ``__biz``, ``mid``, ``idx`` and ``sn`` name the article; these are session noise.
WECHAT_PARAMS = frozenset(
    {
        "chksm",
        "mpshare",
        "exportkey",
        "pass_ticket",
        "clicktime",
        "enterid",
        "ascene",
        "subscene",
        "devicetype",
        "version",
        "lang",
        "nettype",
        "abtest_cookie",
        "wx_header",
        "key",
        "uin",
        "sessionid",
        "poc_token",
        "realreporttime",
        "click_id",
    }
)
_WECHAT_HOSTS = frozenset({"mp.weixin.qq.com"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DIRECTORY_INDEX_RE = re.compile(r"/(?:index\.(?:html?|shtml)|default\.html?)$", re.IGNORECASE)
_PERCENT_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
# Second-level labels under which registrations happen (www.miit.gov.cn belongs to miit.gov.cn).
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "mil", "co", "or", "ne", "go", "idv"})


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _normalise_escapes(component: str, safe: str) -> str:
    """Encode what must be encoded (non-ASCII, spaces), decode needless escapes, upper-case the rest."""
    return _PERCENT_RE.sub(_fix_escape, quote(component, safe=safe))


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    segments = path.split("/")
    for segment in segments[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    return "/" + "/".join(output)


def _host(hostname: str) -> str:
    host = hostname.rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _netloc(parts: SplitResult, scheme: str) -> str:
    host = _host(parts.hostname or "")
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: keep what was written
        return parts.netloc.lower()
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return netloc


def _is_tracking(name: str, host: str) -> bool:
    key = name.lower()
    if key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES):
        return True
    return host in _WECHAT_HOSTS and key in WECHAT_PARAMS


def _query(query: str, host: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k, host)]
    return _normalise_escapes(urlencode(sorted(pairs), quote_via=quote), safe="=&%-._~")


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url`` (see the module docstring for every rule it applies)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if not parts.netloc:
        return urlunsplit((scheme, "", parts.path, parts.query, ""))
    netloc = _netloc(parts, scheme)
    host = _host(parts.hostname or "")
    path = _remove_dot_segments(_normalise_escapes(parts.path or "/", safe=_PATH_SAFE))
    path = _DIRECTORY_INDEX_RE.sub("/", path)
    return urlunsplit((scheme, netloc, path, _query(parts.query, host), ""))


def registrable_domain(url_or_host: str) -> str:
    """The domain a host is registered under: ``news.cctv.com`` → ``cctv.com``, ``www.miit.gov.cn`` →
    ``miit.gov.cn``. A heuristic without the public-suffix list: two labels, three when the second-level
    label is a generic one (``gov.cn``, ``com.cn``, ``co.uk``). IP addresses are returned whole."""
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    host = _host(host or "")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def same_site(a: str, b: str) -> bool:
    """True when two URLs belong to one site (same registrable domain); scheme and port are ignored,
    since ministry sites mix http and https links to the same pages."""
    return registrable_domain(a) == registrable_domain(b) != ""
