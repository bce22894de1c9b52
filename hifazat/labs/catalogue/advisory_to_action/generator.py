"""Case generator for the "Advisory to action" lab.

The learner's ministry has received National CERT's advisory on a ransomware incident at a
federal attached department (the demo advisory, copied in ``advisory.yaml``). The IT wing
exported two days of the web proxy's ``access.log`` (squid native format, epoch times in UTC),
the DNS queries seen by Zeek (``dns.log``) and the DHCP leases. Per seed, 1–3 of the advisory's
network indicators (its IP addresses and domain) appear, contacted by 1–3 internal hosts; the
rest of the traffic is ordinary browsing of ``.example`` sites, internal look-ups and updates.
The README's notes on the ministry's IT decide which of the advisory's measures still need
action.

Consecutive seeds never share the identifying answers: the set of indicators follows
``seed % 7``, the measures that apply follow ``seed % 16``, and the first host's address, its
host name's number and the day of the month of the first contact follow the seed's parity.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

import yaml

from hifazat.labs.case import Case

PKT = timezone(timedelta(hours=5))
DAY = 86400
ADVISORY = yaml.safe_load(Path(__file__).with_name("advisory.yaml").read_text(encoding="utf-8"))
INDICATORS = [tuple(line.split(" ", 2)) for line in ADVISORY["indicators"]]
NETWORK = [value for kind, value, _ in INDICATORS if kind in ("ipv4", "ipv6", "domain", "url")]
# every non-empty subset of the network indicators, in a fixed order: seed % len picks one
SUBSETS = [list(c) for n in range(1, len(NETWORK) + 1) for c in combinations(NETWORK, n)]

MINISTRIES = (
    ("Ministry of Housing and Works", "MOHW"),
    ("Ministry of Maritime Affairs", "MOMA"),
    ("Ministry of Water Resources", "MOWR"),
    ("Ministry of Industries and Production", "MOIP"),
    ("Ministry of Planning, Development and Special Initiatives", "MOPD"),
    ("Ministry of Federal Education and Professional Training", "MOFE"),
    ("Ministry of National Food Security and Research", "MNFS"),
    ("Ministry of Science and Technology", "MOST"),
    ("Ministry of Communications", "MOCOM"),
    ("Ministry of Religious Affairs and Interfaith Harmony", "MORA"),
)
DIVISIONS = (
    ("Administration Wing", "ADM"),
    ("Finance Wing", "FIN"),
    ("Budget Section", "BUD"),
    ("Development Wing", "DEV"),
    ("Legal Section", "LAW"),
    ("Coordination Section", "COR"),
    ("Minister's Office", "MO"),
    ("Secretary's Office", "SEC"),
    ("Central Registry", "REG"),
    ("Policy Wing", "POL"),
    ("Procurement Cell", "PRC"),
)
# ordinary sites: (domain, https, weight); HTTP sites get page and resource requests
SITES = (
    ("dawn-news.example", True, 9), ("tribune-daily.example", True, 7), ("geo-tv.example", True, 5),
    ("pakgov-portal.example", True, 6), ("fbr-iris.example", True, 4), ("sbp-rates.example", False, 3),
    ("ppra-tenders.example", False, 4), ("pbs-stats.example", False, 2), ("nadra-verify.example", True, 2),
    ("mail-portal.example", True, 9), ("search-engine.example", True, 12), ("maps-service.example", True, 3),
    ("office-suite.example", True, 6), ("docs-online.example", True, 4), ("video-meet.example", True, 3),
    ("cdn-static.example", True, 8), ("fonts-cdn.example", True, 5), ("analytics-tag.example", True, 5),
    ("weather-pk.example", False, 2), ("cricket-scores.example", True, 4), ("urdu-news.example", False, 3),
    ("wiki-encyclopedia.example", True, 4), ("translate-tool.example", True, 2), ("bank-online.example", True, 2),
    ("hec-portal.example", False, 1), ("pec-registry.example", False, 1), ("sync-files.example", True, 2),
    ("files-cloud.example", True, 2), ("cloud-sync-drive.example", True, 1), ("av-updates.example", True, 2),
)  # fmt: skip
BLOCKED = (
    "video-stream.example",
    "games-portal.example",
    "social-chat.example",
    "torrent-index.example",
)
UPDATES = ("os-update.example", "av-updates.example", "browser-update.example")
HTML_PATHS = (
    "/", "/index.html", "/news/latest", "/category/pakistan", "/tenders/active", "/rates/today",
    "/archive/2026/01", "/search?q=notification", "/notices", "/downloads/forms", "/about",
)  # fmt: skip
RESOURCES = (
    ("/static/css/main.css", "text/css"), ("/static/js/app.js", "application/javascript"),
    ("/img/logo.png", "image/png"), ("/img/banner.jpg", "image/jpeg"), ("/favicon.ico", "image/x-icon"),
    ("/static/js/jquery.min.js", "application/javascript"), ("/img/icons.svg", "image/svg+xml"),
)  # fmt: skip
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _parity(rng: random.Random, lo: int, hi: int, parity: int) -> int:
    first = lo if lo % 2 == parity else lo + 1
    return rng.randrange(first, hi + 1, 2)


def _pkt(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), tz=PKT)


def _long(d: date) -> str:
    return f"{d.day} {('January', 'February')[d.month - 1]} {d.year}"


def _wrap(text: str, first: str = "", rest: str = "", width: int = 92) -> str:
    """``text`` wrapped at ``width``: the first line starts with ``first``, the others ``rest``."""
    out, line = [], first
    for word in text.split():
        if len(line) + len(word) + 1 > width and line.strip():
            out.append(line.rstrip())
            line = rest
        line += word + " "
    out.append(line.rstrip())
    return "\n".join(out)


class _Proxy:
    """Proxy lines (squid native) and the DNS queries a PAC script triggers before them."""

    def __init__(self, rng: random.Random, resolver: str) -> None:
        self.rng, self.resolver = rng, resolver
        self.lines: list[tuple[float, str]] = []
        self.dns: list[tuple[float, tuple]] = []
        self.addresses: dict[str, list[str]] = {}
        self.resolved: dict[tuple[str, str], float] = {}

    def address(self, domain: str) -> str:
        if domain not in self.addresses:
            rng = self.rng
            net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
            taken = {a for v in self.addresses.values() for a in v}
            while True:
                candidate = f"{net}.{rng.randint(2, 250)}"
                if candidate not in taken and candidate not in NETWORK:
                    break
            self.addresses[domain] = [candidate]
        return self.addresses[domain][0]

    def resolve(self, t: float, client: str, domain: str, qtype: str = "A") -> None:
        last = self.resolved.get((client, domain))
        if last is not None and t - last < 300:
            return
        self.resolved[(client, domain)] = t
        self.dns.append(
            (t - self.rng.uniform(0.004, 0.35), (client, domain, qtype, self.address(domain)))
        )

    def add(self, t, client, code, status, size, method, url, hier, ctype, elapsed=None) -> None:
        elapsed = 30 + int(self.rng.random() * 870) if elapsed is None else elapsed
        line = f"{t:.3f} {elapsed:>6} {client} {code}/{status:03d} {size} {method} {url} - {hier} {ctype}"
        self.lines.append((t, line))

    def visit(self, t: float, client: str, domain: str, https: bool) -> None:
        rng = self.rng
        self.resolve(t, client, domain)
        ip = self.address(domain)
        if https:
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                self.add(
                    t, client, "TCP_TUNNEL", 200, rng.randint(1_800, 420_000), "CONNECT",
                    f"{domain}:443", f"HIER_DIRECT/{ip}", "-", rng.randint(400, 120_000),
                )  # fmt: skip
                t += rng.uniform(0.05, 4)
            return
        path = rng.choice(HTML_PATHS)
        self.add(
            t, client, "TCP_MISS", 200, rng.randint(6_000, 95_000), "GET",
            f"http://{domain}{path}", f"HIER_DIRECT/{ip}", "text/html",
        )  # fmt: skip
        for res, ctype in rng.sample(RESOURCES, rng.randint(0, 4)):
            t += rng.uniform(0.02, 0.9)
            code, status, hier = rng.choice(
                (("TCP_MISS", 200, f"HIER_DIRECT/{ip}"), ("TCP_HIT", 200, "HIER_NONE/-"),
                 ("TCP_MEM_HIT", 200, "HIER_NONE/-"), ("TCP_REFRESH_UNMODIFIED", 304, f"HIER_DIRECT/{ip}"))
            )  # fmt: skip
            size = rng.randint(300, 60_000) if status == 200 else rng.randint(250, 420)
            self.add(t, client, code, status, size, "GET", f"http://{domain}{res}", hier, ctype)

    def denied(self, t: float, client: str, domain: str) -> None:
        self.resolve(t, client, domain)
        self.add(
            t,
            client,
            "TCP_DENIED",
            403,
            3_912,
            "CONNECT",
            f"{domain}:443",
            "HIER_NONE/-",
            "text/html",
            0,
        )


_UID = bytes.maketrans(b"+/", b"Zq")
TTLS = ("60.000000", "120.000000", "300.000000", "3600.000000")


def _uid(rng: random.Random) -> str:
    """A Zeek connection uid: C and 17 letters and digits."""
    return "C" + base64.b64encode(rng.randbytes(13)).translate(_UID).decode()[:17]


def _dns_log(rng: random.Random, entries: list[tuple[float, tuple]], opened: float) -> str:
    head = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tdns",
        f"#open\t{datetime.fromtimestamp(opened, tz=UTC):%Y-%m-%d-%H-%M-%S}",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery"
        "\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected",
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring"
        "\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool",
    ]
    qtypes = {"A": 1, "AAAA": 28, "SRV": 33, "PTR": 12}
    rows = []
    entries = sorted(entries, key=lambda e: e[0])
    for ts, (client, server, query, qtype, answer, local) in entries:
        port, trans = 49152 + rng.getrandbits(14), 1 + rng.getrandbits(16) % 65535
        rtt = rng.random() * (0.004 if local else 0.09) + 0.0002
        if answer is None:
            tail = "3\tNXDOMAIN\tT\tF\tT\tT\t0\t-\t-\tF"
        else:
            ttl = "600.000000" if local else TTLS[len(query) % 4]
            tail = f"0\tNOERROR\t{'T' if local else 'F'}\tF\tT\tT\t0\t{answer}\t{ttl}\tF"
        rows.append(
            f"{ts:.6f}\t{_uid(rng)}\t{client}\t{port}\t{server}\t53\tudp\t{trans}\t{rtt:.6f}"
            f"\t{query}\t1\tC_INTERNET\t{qtypes[qtype]}\t{qtype}\t{tail}"
        )
    closed = entries[-1][0] + rng.uniform(5, 60)
    end = f"#close\t{datetime.fromtimestamp(closed, tz=UTC):%Y-%m-%d-%H-%M-%S}"
    return "\n".join([*head, *rows, end]) + "\n"


def _status(rng: random.Random, bits: int, note_day: date) -> tuple[list[str], list[str]]:
    """The IT wing's notes on the ministry's IT; measures 2-5 need action where the bit is set."""

    def done_date() -> str:
        return _long(date(2026, 1, rng.randint(14, note_day.day)))

    needs = ["1"]
    notes = []
    contractors = rng.randint(2, 7)
    if bits & 1:
        needs.append("2")
        notes.append(
            f"Accounts: the last review of unused accounts was on {rng.randint(3, 28)} "
            f"{rng.choice(('October', 'November'))} 2025. Today's directory export lists "
            f"{rng.randint(9, 40)} domain accounts, {contractors} of them contractors' accounts, "
            "with no sign-in for more than 45 days; all are still enabled."
        )
    else:
        notes.append(
            f"Accounts: on {done_date()} the IT wing disabled every VPN and domain account with no "
            f"sign-in for 45 days or more, including {contractors} contractors' accounts; today's "
            "directory export shows none of them enabled."
        )
    vpn_users = rng.randint(25, 140)
    if bits & 2:
        needs.append("3")
        notes.append(
            f"Remote access: VPN gateway with {vpn_users} accounts. Multi-factor authentication "
            f"(authenticator app) is enforced for staff accounts, but {rng.randint(2, 6)} vendor "
            "and contractor accounts still sign in with a password only."
        )
    elif rng.random() < 0.5:
        notes.append(
            "Remote access: the ministry has no VPN; remote access to the office network is not "
            "permitted and the firewall allows no inbound connections to it."
        )
    else:
        notes.append(
            f"Remote access: VPN gateway with {vpn_users} accounts. On {done_date()} the IT wing "
            "checked the gateway's account list: multi-factor authentication is enforced for every "
            "account, contractors' included."
        )
    if bits & 4:
        needs.append("4")
        notes.append(
            rng.choice(
                (
                    "Backups: nightly backup of the file and e-Office servers to a NAS on the server "
                    "network, joined to the domain; there is no offline or immutable copy.",
                    "Backups: a weekly copy of the file and e-Office servers goes to tapes kept offline "
                    "in the record room; no restore from them has ever been tested.",
                )
            )  # fmt: skip
        )
    else:
        notes.append(
            "Backups: a weekly copy of the file and e-Office servers goes to tapes kept offline in "
            f"the record room; on {done_date()} a test restore of the e-Office server from the "
            "latest tape succeeded."
        )
    computers = rng.randint(180, 900)
    if bits & 8:
        needs.append("5")
        notes.append(
            f"Endpoint protection: the antivirus console manages {computers} computers; no search "
            "for the advisory's file hashes has been made yet."
        )
    else:
        notes.append(
            f"Endpoint protection: on {done_date()} the IT wing searched all {computers} computers "
            "for the advisory's file hashes in the antivirus console; there was no match."
        )
    needs.append("6")
    return needs, notes


def _advisory_text() -> str:
    a = ADVISORY
    pub = a["published"]
    out = [
        "NATIONAL CERT (PKCERT) - CYBER SECURITY ADVISORY",
        "=" * 48,
        "",
        _wrap(a["title"]),
        "",
        f"Issued by   : National CERT ({a['issuer']})",
        f"Published   : {pub.day} {('January', 'February')[pub.month - 1]} {pub.year}",
        f"Kind        : {a['kind']}    Severity: {a['severity']}    TLP:{a['tlp']}",
        "Distribution: all federal ministries, divisions and their attached departments",
        f"Acknowledge within {a['ack_days']} days; act within {a['act_days']} days.",
        "",
        "SUMMARY",
        _wrap(a["summary"]),
        "",
        "BACKGROUND",
        "\n\n".join(_wrap(p) for p in a["background"].strip().split("\n\n")),
        "",
        "MEASURES (all mandatory)",
    ]
    for n, m in enumerate(a["measures"], 1):
        out.append(_wrap(m["text"], f"{n:>2}. ", "    "))
    out += ["", "INDICATORS OF COMPROMISE", f"{'Type':<9}{'Value':<66}Description", "-" * 100]
    for kind, value, desc in INDICATORS:
        out.append(f"{kind:<9}{value:<66}{desc}")
    out += ["", "REFERENCES"]
    out += [f"- {r}" for r in a["references"]]
    out += ["", "TLP:AMBER - share within your organisation on a need-to-know basis.", ""]
    return "\n".join(out)


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    parity = seed % 2
    ministry, abbr = rng.choice(MINISTRIES)
    ad = f"{abbr.lower()}.gov.example"
    start = date(2026, 1, rng.choice((5, 6, 7, 8, 12)))  # two working days, Monday-Friday
    t_start = datetime(start.year, start.month, start.day, tzinfo=PKT).timestamp()
    net = f"10.{rng.randint(10, 60)}.{rng.randint(1, 250)}"
    resolver = f"{net}.{rng.choice((5, 10, 11))}"

    # --- hosts -------------------------------------------------------------------------------
    count = rng.randint(28, 40)
    octets = rng.sample(range(20, 240), count + 6)
    divs = rng.sample(DIVISIONS, rng.randint(6, 9))
    hosts = []
    numbers = set()
    for octet in octets:
        div, code = rng.choice(divs)
        num = rng.randint(1, 320)
        while num in numbers:
            num = rng.randint(1, 320)
        numbers.add(num)
        kind = rng.choice(("PC", "PC", "PC", "LT"))
        mac = "00:" + ":".join(f"{b:02x}" for b in rng.randbytes(5))
        hosts.append({"ip": f"{net}.{octet}", "octet": octet, "div": div, "code": code,
                      "num": num, "kind": kind, "mac": mac})  # fmt: skip
    printers = hosts[count:]
    hosts = hosts[:count]
    for p in printers:
        p["kind"] = "PRN"
    first = next(h for h in hosts if h["octet"] % 2 == parity)
    num = _parity(rng, 1, 320, parity)
    while num in numbers:
        num = _parity(rng, 1, 320, parity)
    first["num"] = num
    for h in hosts + printers:
        h["name"] = f"{abbr}-{h['code']}-{h['kind']}{h['num']:03d}"

    # --- ordinary traffic --------------------------------------------------------------------
    proxy = _Proxy(rng, resolver)
    sites = list(SITES)
    for kind, value, _ in INDICATORS:
        if kind == "domain" and rng.random() < 0.75:  # a look-alike that contains the indicator
            sites.append((rng.choice(("my", "get", "web", "e")) + value, True, 2))
    weights = [w for _, _, w in sites]
    windows: dict[str, list[tuple[float, float]]] = {}
    for h in hosts:
        favourites = rng.sample(range(len(sites)), 8)
        rate = rng.uniform(0.6, 1.6)
        windows[h["ip"]] = []
        left_on = rng.random() < 0.3
        for d in range(2):
            if rng.random() < 0.07 and h is not first:
                continue  # on leave that day
            base = t_start + d * DAY
            on = base + rng.randint(8 * 3600 + 40 * 60, 10 * 3600)
            off = base + rng.randint(16 * 3600, 18 * 3600 + 30 * 60)
            windows[h["ip"]].append((on, off))
            t = on + rng.uniform(10, 200)
            while t < off:
                if 13 * 3600 <= (t - base) < 14 * 3600 and rng.random() < 0.7:
                    t += rng.uniform(300, 900)  # lunch and prayer break
                    continue
                if rng.random() < 0.45:
                    domain, https, _ = sites[rng.choice(favourites)]
                else:
                    domain, https, _ = rng.choices(sites, weights)[0]
                if rng.random() < 0.012:
                    proxy.denied(t, h["ip"], rng.choice(BLOCKED))
                else:
                    proxy.visit(t, h["ip"], domain, https)
                t += rng.expovariate(rate / 800)
            if left_on:
                night = off + rng.uniform(1800, 4 * 3600)
                proxy.visit(night, h["ip"], rng.choice(UPDATES), True)

    # --- the advisory's indicators -----------------------------------------------------------
    found = SUBSETS[seed % len(SUBSETS)]

    def when(h: dict, after: float) -> float | None:
        """A time after ``after`` at which host ``h`` is switched on, or None."""
        spans = [
            (max(on, after), off) for on, off in windows[h["ip"]] if off - max(on, after) > 1800
        ]
        if not spans:
            return None
        lo, hi = rng.choice(spans)
        return rng.uniform(lo, hi - 1200)

    def switched_on(h: dict, t: float) -> bool:
        return any(on <= t <= off for on, off in windows[h["ip"]])

    k = rng.randint(1, 3)
    day = 0 if start.day % 2 == parity else 1
    base = t_start + day * DAY
    win = next((w for w in windows[first["ip"]] if base <= w[0] < base + DAY), None)
    if win is None:
        win = (base + 9 * 3600, base + 17 * 3600)
    t0 = max(win[0] + 600, base + 9.5 * 3600) + rng.uniform(0, 4 * 3600) + rng.random()
    others = [h for h in hosts if h is not first and when(h, t0 + 600) is not None]
    victims = [first, *rng.sample(others, k - 1)]
    contacts: dict[str, list[dict]] = {}
    for v in found:
        contacts[v] = rng.sample(victims, rng.randint(1, len(victims)))
    for h in victims:
        if not any(h in hs for hs in contacts.values()):
            contacts[rng.choice(found)].append(h)
    first_indicator = rng.choice([v for v in found if first in contacts[v]])
    marked: set[str] = set()
    before = len(proxy.lines)
    for value in found:
        kind, _, desc = next(i for i in INDICATORS if i[1] == value)
        for h in contacts[value]:
            if h is first and value == first_indicator:
                t = t0
            else:
                t = when(h, t0 + 600)
            ip = h["ip"]
            if kind == "domain":
                proxy.resolve(t, ip, value)
                dest = proxy.address(value)
                for _ in range(rng.randint(3, 10)):
                    proxy.resolve(t, ip, value)
                    proxy.add(
                        t, ip, "TCP_TUNNEL", 200, rng.randint(4_000_000, 90_000_000), "CONNECT",
                        f"{value}:443", f"HIER_DIRECT/{dest}", "-", rng.randint(60_000, 900_000),
                    )  # fmt: skip
                    t += rng.uniform(120, 900)
            elif "command" in desc.lower():  # a beacon to the command-and-control server
                for _ in range(rng.randint(6, 24)):
                    if not switched_on(h, t):
                        break
                    proxy.add(
                        t, ip, "TCP_TUNNEL", 200, rng.randint(2_400, 9_800), "CONNECT",
                        f"{value}:443", f"HIER_DIRECT/{value}", "-", rng.randint(1_000, 30_000),
                    )  # fmt: skip
                    t += rng.uniform(540, 1_500)
            else:
                folder = rng.choice(("dl", "files", "pkg", "upd", "s"))
                for _ in range(rng.randint(1, 4)):
                    name = "".join(rng.choices(string.ascii_lowercase + string.digits, k=10))
                    proxy.add(
                        t, ip, "TCP_MISS", 200, rng.randint(40_000, 6_000_000), "GET",
                        f"http://{value}/{folder}/{name}.{rng.choice(('dat', 'bin', 'zip', 'tmp'))}",
                        f"HIER_DIRECT/{value}", "application/octet-stream", rng.randint(800, 40_000),
                    )  # fmt: skip
                    t += rng.uniform(5, 240)
            marked.add(ip)

    requests = len(proxy.lines) - before

    # --- internal DNS noise ------------------------------------------------------------------
    dc = [f"dc01.{ad}", f"dc02.{ad}"]
    local = {
        dc[0]: resolver, dc[1]: f"{net}.{rng.randint(2, 4)}",
        f"eoffice.{ad}": f"{net}.{rng.randint(241, 250)}", f"files.{ad}": f"{net}.{rng.randint(241, 250)}",
        f"mail.{ad}": f"{net}.{rng.randint(241, 250)}", f"proxy.{ad}": f"{net}.{rng.randint(6, 9)}",
        f"wpad.{ad}": f"{net}.{rng.randint(6, 9)}", f"time.{ad}": resolver,
    }  # fmt: skip
    dns_entries: list[tuple[float, tuple]] = []
    for ts, (client, domain, qtype, answer) in proxy.dns:
        dns_entries.append((ts, (client, resolver, domain, qtype, answer, False)))
    for h in hosts:
        for on, off in windows[h["ip"]]:
            t = on + rng.uniform(0, 30)
            while t < off:
                name = rng.choice(list(local))
                if rng.random() < 0.08:
                    srv = f"_ldap._tcp.dc._msdcs.{ad}"
                    dns_entries.append(
                        (
                            t,
                            (
                                h["ip"],
                                resolver,
                                srv,
                                "SRV",
                                f"0 100 389 {dc[0]},0 100 389 {dc[1]}",
                                True,
                            ),
                        )
                    )
                elif rng.random() < 0.03:
                    typo = rng.choice(("eofice", "e-office", "fileserver", "printsrv", "intranet"))
                    dns_entries.append((t, (h["ip"], resolver, f"{typo}.{ad}", "A", None, True)))
                else:
                    dns_entries.append((t, (h["ip"], resolver, name, "A", local[name], True)))
                t += rng.uniform(400, 2_400)
    dns_log = _dns_log(rng, dns_entries, t_start)

    # --- render ------------------------------------------------------------------------------
    lines = [line for _, line in sorted(proxy.lines, key=lambda e: e[0])]
    proxy_log = "\n".join(lines) + "\n"
    leases = []
    for h in sorted(hosts + printers, key=lambda h: h["octet"]):
        got = t_start - rng.randint(3_600, 6 * DAY)
        leases.append(
            f"{h['ip']},{h['mac']},{h['name']},{h['div']},"
            f"{_pkt(got):%Y-%m-%d %H:%M:%S},{_pkt(got + 8 * DAY):%Y-%m-%d %H:%M:%S}"
        )
    dhcp = "ip,mac,hostname,owner_division,lease_start,lease_end\n" + "\n".join(leases) + "\n"
    note_day = date(2026, 1, rng.randint(16, 21))  # after the advisory (14 January)
    needs, notes = _status(rng, seed % 16, note_day)
    advisory = _advisory_text()
    last = start + timedelta(days=1)
    notes_text = "\n\n".join(_wrap(n, "- ", "  ") for n in notes)
    readme = f"""\
Evidence for the IT wing's check against National CERT's advisory
=================================================================

Ministry   : {ministry}
Prepared   : {_long(note_day)}, by the IT wing (network team)
Advisory   : {ADVISORY["title"]}
Period     : {_long(start)} 00:00 to {_long(last)} 23:59 PKT (two working days)
Time zone  : the office works on Pakistan Standard Time (PKT, Asia/Karachi, UTC+05:00).
             The times in proxy.log and dns.log are Unix epoch seconds, which count from
             1970-01-01 00:00 UTC: convert them (add five hours) to get PKT. The lease
             times in dhcp_leases.csv are already in PKT.

Network
-------
Office LAN      : {net}.0/24, addresses handed out by DHCP
DNS resolvers   : the domain controllers {dc[0]} ({resolver}) and {dc[1]} ({local[dc[1]]})
Web proxy       : proxy.{ad} ({local[f"proxy.{ad}"]}), Squid. Every workstation reaches the
                  internet only through it (set by group policy); the firewall drops anything
                  else. The proxy auto-configuration script makes each workstation look up a
                  name in DNS before it sends the request to the proxy.

Files
-----
advisory.txt       the advisory as received, with its numbered measures and indicators
proxy.log          the proxy's access.log (Squid native format) for the period: time
                   (epoch, UTC), duration (ms), client address, result/HTTP status, bytes,
                   method, URL, user, hierarchy/server address, content type.
                   HTTPS appears as CONNECT host:443 (the proxy does not decrypt it).
                   SHA-256 {hashlib.sha256(proxy_log.encode()).hexdigest()}
dns.log            Zeek dns.log of the queries sent to the resolvers in the period
                   (tab-separated; the #fields line names the columns; ts is epoch, UTC)
                   SHA-256 {hashlib.sha256(dns_log.encode()).hexdigest()}
dhcp_leases.csv    the DHCP server's leases: address, MAC, host name, owner division
README.txt         this note

Status of the ministry's IT on {_long(note_day)} (IT wing notes)
-----------------------------------------------------------

{notes_text}
"""
    first_ts = t0
    return Case(
        files={
            "advisory.txt": advisory,
            "proxy.log": proxy_log,
            "dns.log": dns_log,
            "dhcp_leases.csv": dhcp,
            "README.txt": readme,
        },
        answers={
            "indicators-found": list(found),
            "first-ip": first["ip"],
            "first-host": first["name"],
            "first-time": _pkt(first_ts).isoformat(),
            "first-division": first["div"],
            "host-count": len(marked),
            "indicator-requests": requests,
            "measures": needs,
        },
        notes={
            "ministry": ministry,
            "victims": sorted(marked),
            "first_indicator": first_indicator,
            "contacts": {v: [h["ip"] for h in hs] for v, hs in contacts.items()},
            "start": start.isoformat(),
        },
    )
