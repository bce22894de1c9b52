"""Vulnerability prioritisation: a month's scanner export, the national KEV catalogue and the
asset register of a ministry's servers. The learner joins the three to decide what must go to
an emergency change and what to patch first.

Every CVE id, vendor and product is fictional (CVE-2025-90xxx / CVE-2026-90xxx; Contoso,
Fabrikam, Adatum…). Internal addresses are 10.x / 172.16.x.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import Counter
from datetime import date, datetime, timedelta

from hifazat.labs.case import Case

YEAR = 2026
EMERGENCY_HOURS = 72
KEV_DAYS = 21  # the national catalogue's due date: dateAdded + 21 days

MINISTRIES = (
    ("mowr", "Ministry of Water Resources"),
    ("mopd", "Ministry of Planning, Development and Special Initiatives"),
    ("mofe", "Ministry of Federal Education and Professional Training"),
    ("mnfsr", "Ministry of National Food Security and Research"),
    ("mohr", "Ministry of Human Rights"),
    ("moc", "Ministry of Commerce"),
    ("mocl", "Ministry of Climate Change"),
    ("mohs", "Ministry of National Health Services"),
    ("moms", "Ministry of Maritime Affairs"),
    ("mopa", "Ministry of Parliamentary Affairs"),
    ("mori", "Ministry of Religious Affairs"),
    ("moip", "Ministry of Industries and Production"),
)
DIVISIONS = (
    "Administration Wing",
    "IT Wing",
    "Finance Wing",
    "Development Wing",
    "Policy Wing",
    "Legal Wing",
    "HR Wing",
    "Media Cell",
    "e-Office Cell",
    "Procurement Wing",
)
CUSTODIANS = (
    "Asad Mehmood",
    "Sana Javed",
    "Imran Qureshi",
    "Farah Naz",
    "Bilal Ahmed Khan",
    "Nadia Rehman",
    "Kamran Siddiqui",
    "Ayesha Tariq",
    "Usman Ghani",
    "Rabia Shahid",
    "Zeeshan Haider",
    "Mehwish Akram",
    "Tahir Abbas",
    "Saima Butt",
)
VENDORS = (
    "Contoso",
    "Fabrikam",
    "Adatum",
    "Litware",
    "Tailspin",
    "Northwind",
    "Woodgrove",
    "Proseware",
    "Wingtip",
    "Lucerne",
    "Alpine Ski",
    "Fourth Coffee",
)
# product kind -> (possible product names, port, protocol)
KINDS = {
    "vpn": (("SecureGate VPN", "EdgeConnect SSL VPN", "RemoteLink Gateway"), 443),
    "portal": (("WebPortal", "CitizenConnect Portal", "SitePublisher CMS"), 443),
    "mail": (("MailExchange Server", "PostHub Mail Gateway"), 443),
    "eoffice": (("eDocs Workflow", "FileTrack e-Office"), 8443),
    "hr": (("HR Suite", "PayRoll Manager", "Leave and Attendance"), 8080),
    "file": (("FileShare Server", "DocVault"), 445),
    "print": (("Print Manager", "PrintHub"), 631),
    "backup": (("Backup Director", "ArchiveSafe"), 10000),
    "monitor": (("NetWatch Monitor", "InfraSight"), 8443),
    "idm": (("Identity Gateway", "SingleSign Server"), 443),
    "db": (("DataVault SQL", "RecordStore Database"), 1433),
    "hypervisor": (("VirtuHost Hypervisor", "CloudStack Host"), 443),
}
GENERIC = {
    "openssh": ("OpenSSH", "OpenSSH", 22),
    "apache": ("Apache", "HTTP Server", 443),
    "nginx": ("nginx", "nginx", 443),
    "smb": ("Microsoft", "Windows SMB Server", 445),
    "rdp": ("Microsoft", "Windows Remote Desktop Services", 3389),
}
# flaws the (fictional) CVEs in well-known software are limited to; none is KEV-listed here
GENERIC_TYPES = {
    "openssh": ("dos", "info"),
    "apache": ("dos", "info", "ssrf"),
    "nginx": ("dos", "info"),
    "smb": ("rce", "priv", "info", "dos"),
    "rdp": ("rce", "dos", "info"),
}
GENERIC_FIXED = {
    "openssh": lambda rng: f"9.{rng.randint(3, 9)}p{rng.randint(1, 2)}",
    "apache": lambda rng: f"2.4.{rng.randint(58, 66)}",
    "nginx": lambda rng: f"1.{rng.choice((24, 26, 27))}.{rng.randint(1, 4)}",
}
LINUX = ("Ubuntu 22.04 LTS", "Ubuntu 24.04 LTS", "Red Hat Enterprise Linux 9", "Debian 12")
WINDOWS = ("Windows Server 2019", "Windows Server 2022")
OLD_WINDOWS = "Windows Server 2012 R2"
# role -> (name choices, (min, max) hosts, os choices, products, P(internet-facing),
#          criticality choices, in the DMZ)
ROLES = {
    "vpn": (("vpn", "sslvpn", "ra"), (1, 2), ("appliance",), ("vpn",), 1.0, ("high",), True),
    "web": (
        ("web", "www", "portal"),
        (2, 4),
        LINUX,
        ("portal", "apache", "openssh"),
        0.9,
        ("high", "high", "medium"),
        True,
    ),
    "mail": (
        ("mail", "mx", "exch"),
        (1, 2),
        WINDOWS,
        ("mail", "rdp", "smb"),
        0.8,
        ("high",),
        True,
    ),
    "proxy": (
        ("proxy", "rp", "waf"),
        (1, 2),
        LINUX,
        ("nginx", "openssh"),
        0.9,
        ("medium", "high"),
        True,
    ),
    "eoffice": (
        ("eoffice", "efile", "dms"),
        (2, 3),
        LINUX,
        ("eoffice", "apache", "openssh"),
        0.5,
        ("high",),
        True,
    ),
    "sso": (("sso", "idp"), (1, 2), LINUX, ("idm", "openssh"), 0.5, ("high",), True),
    "app": (
        ("app", "hrms", "pay"),
        (3, 6),
        WINDOWS + LINUX,
        ("hr", "rdp"),
        0.1,
        ("medium", "medium", "low"),
        False,
    ),
    "db": (("db", "sql"), (2, 4), WINDOWS + LINUX, ("db", "openssh"), 0.0, ("high",), False),
    "dc": (("dc", "ad"), (2, 2), WINDOWS, ("smb", "rdp"), 0.0, ("high",), False),
    "file": (
        ("fs", "file", "share"),
        (2, 4),
        WINDOWS,
        ("file", "smb", "rdp"),
        0.0,
        ("medium", "low"),
        False,
    ),
    "print": (("prn", "print"), (2, 4), WINDOWS, ("print", "smb"), 0.0, ("low",), False),
    "backup": (
        ("bkp", "backup"),
        (1, 2),
        LINUX,
        ("backup", "openssh"),
        0.0,
        ("high", "medium"),
        False,
    ),
    "mon": (("mon", "nms"), (1, 2), LINUX, ("monitor", "openssh"), 0.1, ("medium",), False),
    "vm": (("esx", "hv", "vmh"), (2, 4), ("hypervisor",), ("hypervisor",), 0.0, ("high",), False),
    "dev": (
        ("dev", "test", "uat"),
        (2, 5),
        LINUX,
        ("portal", "apache", "openssh"),
        0.3,
        ("low",),
        False,
    ),
    "ws": (("adm", "ws"), (2, 6), ("Windows 11",), ("rdp", "smb"), 0.0, ("low",), False),
}
GROWING = ("app", "file", "print", "dev", "ws", "db", "web", "vm")
# vulnerability type -> (finding wording, CWE, what the attacker gains)
TYPES = {
    "auth-bypass": (
        "Authentication Bypass",
        "CWE-287",
        "bypass authentication and gain administrative access",
    ),
    "rce": ("Remote Code Execution", "CWE-94", "execute arbitrary code"),
    "cmd": ("OS Command Injection", "CWE-78", "execute operating-system commands as root"),
    "path": (
        "Path Traversal",
        "CWE-22",
        "read arbitrary files, including configuration files with stored credentials",
    ),
    "deser": ("Deserialization of Untrusted Data", "CWE-502", "execute arbitrary code"),
    "sqli": ("SQL Injection", "CWE-89", "read or modify database contents"),
    "ssrf": ("Server-Side Request Forgery", "CWE-918", "send requests to internal systems"),
    "priv": ("Privilege Escalation", "CWE-269", "escalate privileges to SYSTEM or root"),
    "xss": ("Cross-Site Scripting", "CWE-79", "run script in an administrator's browser"),
    "dos": ("Denial of Service", "CWE-400", "make the service unavailable"),
    "info": (
        "Information Disclosure",
        "CWE-200",
        "obtain sensitive information such as session tokens",
    ),
}
TYPE_MAX = {"dos": 7.5, "info": 7.5, "xss": 6.1, "ssrf": 8.6}  # realistic ceilings
SEVERE = ("auth-bypass", "rce", "cmd", "path", "deser", "sqli", "priv")
SCORES = (5.3, 5.4, 6.1, 6.5, 7.2, 7.5, 8.1, 8.6, 8.8, 9.0, 9.1, 9.4, 9.6, 9.8, 10.0)
KEV_SCORES = (7.2, 7.5, 8.1, 8.6, 8.8, 9.0, 9.1, 9.4, 9.6, 9.8)
# findings without a CVE: (name, cvss or None, port or None = the host's first service port)
NOISE = (
    ("TLS Version 1.0 Protocol Detection", 6.5, "tls"),
    ("TLS Version 1.1 Deprecated Protocol", 6.5, "tls"),
    ("SSL Certificate Cannot Be Trusted", 6.5, "tls"),
    ("SSL Self-Signed Certificate", 6.5, "tls"),
    ("SSL Medium Strength Cipher Suites Supported (SWEET32)", 7.5, "tls"),
    ("HTTP TRACE / TRACK Methods Allowed", 5.3, "tls"),
    ("SSH Weak Key Exchange Algorithms Enabled", 3.7, "ssh"),
    ("SSH Server CBC Mode Ciphers Enabled", 3.7, "ssh"),
    ("SMB Signing not required", 5.3, "smb"),
    ("Microsoft Windows SMBv1 Multiple Vulnerabilities Detection", None, "smb"),
    ("Terminal Services Doesn't Use Network Level Authentication (NLA) Only", 6.5, "rdp"),
    ("ICMP Timestamp Request Remote Date Disclosure", 2.1, "icmp"),
    ("Web Server Allows Password Auto-Completion", 3.1, "tls"),
    ("Service Detection", None, "any"),
    ("OS Identification", None, "icmp"),
    ("Traceroute Information", None, "udp"),
    ("Open Port Re-check", None, "any"),
    ("Host Fully Qualified Domain Name (FQDN) Resolution", None, "icmp"),
    ("Common Platform Enumeration (CPE)", None, "icmp"),
    ("Nessus Scan Information", None, "icmp"),
)
FIRST_NAMES = ("Hamid", "Shazia", "Waqas", "Hina", "Junaid", "Uzma", "Faisal", "Noreen")


def severity(score: float | None) -> str:
    if score is None:
        return "Info"
    if score >= 9.0:
        return "Critical"
    if score >= 7.0:
        return "High"
    if score >= 4.0:
        return "Medium"
    return "Low"


def _hosts(rng: random.Random, code: str) -> list[dict]:
    counts = {role: rng.randint(*spec[1]) for role, spec in ROLES.items()}
    target = rng.randint(42, 58)
    while sum(counts.values()) < target:
        counts[rng.choice(GROWING)] += 1
    style = rng.randrange(3)
    dmz = f"172.16.{rng.randint(1, 254)}"
    inside = f"10.{rng.randint(10, 250)}"
    vlans = rng.sample(range(1, 250), len(ROLES))
    used_dmz: set[int] = set()
    hosts = []
    for (role, spec), vlan in zip(ROLES.items(), vlans, strict=True):
        names, _, oses, products, p_internet, crits, in_dmz = spec
        word = rng.choice(names)
        start = rng.randint(1, 9)
        for n in range(start, start + counts[role]):
            if style == 0:
                name = f"{code}-{word}{n:02d}"
            elif style == 1:
                name = f"{word}{n:02d}-{code}"
            else:
                name = f"{code}{word}{n:02d}"
            if in_dmz:
                last = rng.choice([x for x in range(10, 250) if x not in used_dmz])
                used_dmz.add(last)
                ip = f"{dmz}.{last}"
            else:
                ip = f"{inside}.{vlan}.{rng.randint(10, 240)}"
            os_name = rng.choice(oses)
            if os_name in WINDOWS and rng.random() < 0.08:
                os_name = OLD_WINDOWS
            if os_name == "appliance":
                os_name = "vendor appliance"
            elif os_name == "hypervisor":
                os_name = "hypervisor appliance"
            hosts.append(
                {
                    "name": name,
                    "ip": ip,
                    "role": role,
                    "os": os_name,
                    "internet": rng.random() < p_internet,
                    "crit": rng.choice(crits),
                    "division": "IT Wing" if rng.random() < 0.5 else rng.choice(DIVISIONS),
                    "custodian": rng.choice(CUSTODIANS),
                    "scanned": True,
                    "products": [
                        p
                        for p in products
                        if not (p == "openssh" and os_name.startswith("Windows"))
                        and not (p in ("rdp", "smb") and not os_name.startswith("Windows"))
                    ],
                }
            )
    # make sure the register has enough internet-facing high-criticality hosts to choose from
    for h in hosts:
        if h["role"] in ("vpn", "mail") or (h["role"] == "web" and h is _first(hosts, "web")):
            h["internet"], h["crit"] = True, "high"
    # two to four hosts on the register were switched off during the scan
    for h in rng.sample(
        [h for h in hosts if h["role"] in ("ws", "dev", "print", "app")], rng.randint(2, 4)
    ):
        h["scanned"] = False
    ips = [h["ip"] for h in hosts]
    if len(set(ips)) != len(ips):  # a rare clash inside one VLAN: renumber it
        seen: set[str] = set()
        for h in hosts:
            while h["ip"] in seen:
                h["ip"] = h["ip"].rsplit(".", 1)[0] + f".{rng.randint(10, 240)}"
            seen.add(h["ip"])
    return hosts


def _first(hosts: list[dict], role: str) -> dict:
    return next(h for h in hosts if h["role"] == role)


def _products(rng: random.Random) -> dict[str, tuple[str, str, int]]:
    vendors = list(VENDORS)
    rng.shuffle(vendors)
    out = {}
    for i, (kind, (names, port)) in enumerate(KINDS.items()):
        out[kind] = (vendors[i % len(vendors)], rng.choice(names), port)
    out.update(GENERIC)
    return out


def _version(rng: random.Random) -> str:
    return f"{rng.randint(2, 12)}.{rng.randint(0, 9)}.{rng.randint(1, 30)}"


def _cve_ids(rng: random.Random, count: int) -> list[str]:
    numbers = rng.sample(range(90010, 91000), count)
    return [f"CVE-{rng.choice((2025, 2026))}-{n}" for n in numbers]


def _draw(rng: random.Random, hosts: list[dict], products: dict, ids: list[str]):
    """One draw of the month's CVEs and where they were found; None if it lacks the lessons."""
    on = {}
    for h in hosts:
        if not h["scanned"]:
            continue
        for p in h["products"]:
            on.setdefault(p, []).append(h)
    kinds = sorted(on)
    n_cve = rng.randint(12, 22)
    n_kev = rng.randint(3, 6)
    cves = []
    for cve_id in ids[:n_cve]:
        kind = rng.choice(kinds)
        vtype = rng.choice(GENERIC_TYPES.get(kind, tuple(TYPES)))
        runs = on[kind]
        limit = 8 if kind in GENERIC else 4
        affected = rng.sample(runs, rng.randint(1, min(limit, len(runs))))
        port = products[kind][2]
        ports = {}
        for h in affected:  # web software is sometimes found on a second port as well
            ports[h["name"]] = [port]
            if kind in ("portal", "eoffice") and rng.random() < 0.25:
                ports[h["name"]].append(rng.choice((4443, 9443, 8444)))
        cves.append(
            {
                "id": cve_id,
                "kind": kind,
                "type": vtype,
                "score": rng.choice([x for x in SCORES if x <= TYPE_MAX.get(vtype, 10.0)]),
                "hosts": affected,
                "ports": ports,
                "kev": False,
                "ransomware": False,
            }
        )
    own = [c for c in cves if c["kind"] not in GENERIC]  # the catalogue's are vendors' products
    if len(own) < n_kev:
        return None
    for c in rng.sample(own, n_kev):
        c["kev"] = True
        c["type"] = rng.choice(SEVERE)
        c["score"] = rng.choice(KEV_SCORES)
    kev = [c for c in cves if c["kev"]]

    def hot(h: dict) -> bool:
        return h["internet"] and h["crit"] == "high"

    top_pool = [c for c in kev if any(hot(h) for h in c["hosts"])]
    if not top_pool:
        return None
    best = max(c["score"] for c in top_pool)
    tops = [c for c in top_pool if c["score"] == best]
    if len(tops) != 1:
        return None
    top = tops[0]
    # the lessons: a KEV CVE with a higher score that is not on an internet-facing high host …
    if not any(c["score"] > best for c in kev):
        return None
    # … a KEV finding that is not internet-facing at all …
    if not any(not h["internet"] for c in kev for h in c["hosts"]):
        return None
    # … and a non-KEV finding scored above it on an internet-facing high host
    if not any(
        not c["kev"] and c["score"] > best and any(hot(h) for h in c["hosts"]) for c in cves
    ):
        return None
    emergency = {h["name"] for c in kev for h in c["hosts"] if h["internet"]}
    if len(emergency) < 2:
        return None
    per_host = Counter({})
    for c in kev:
        for name, ports in c["ports"].items():
            per_host[name] += len(ports)
    (most, n_most), *rest = per_host.most_common() + [(None, 0)]
    if n_most < 2 or rest[0][1] == n_most:
        return None
    return cves, top


def _description(vendor: str, product: str, vtype: str) -> str:
    words, _, gain = TYPES[vtype]
    article = "an" if words[0] in "AEIOU" else "a"
    return (
        f"{vendor} {product} contains {article} {words.lower()} vulnerability that could allow a "
        f"remote attacker to {gain}."
    )


def _kev_entry(cve_id, vendor, product, vtype, added: date, ransomware: bool) -> dict:
    words, cwe, _ = TYPES[vtype]
    slug = vendor.lower().replace(" ", "")
    return {
        "cveID": cve_id,
        "vendorProject": vendor,
        "product": product,
        "vulnerabilityName": f"{vendor} {product} {words} Vulnerability",
        "dateAdded": added.isoformat(),
        "shortDescription": _description(vendor, product, vtype),
        "requiredAction": (
            "Apply mitigations per vendor instructions, follow applicable NTISB guidance for "
            "internet-facing systems, or discontinue use of the product if mitigations are "
            "unavailable."
        ),
        "dueDate": (added + timedelta(days=KEV_DAYS)).isoformat(),
        "knownRansomwareCampaignUse": "Known" if ransomware else "Unknown",
        "notes": f"https://security.{slug}.example/advisories/{cve_id} ; "
        f"https://kev.pkcert.example/catalogue/{cve_id}",
        "cwes": [cwe],
    }


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    code, ministry = rng.choice(MINISTRIES)
    hosts = _hosts(rng, code)
    products = _products(rng)
    versions = {kind: _version(rng) for kind in products}

    ids = _cve_ids(rng, 60)
    for _attempt in range(2000):
        drawn = _draw(rng, hosts, products, ids)
        if drawn:
            break
    else:  # pragma: no cover - the draw succeeds within a few dozen attempts
        raise RuntimeError("no usable draw")
    cves, top = drawn
    kev = [c for c in cves if c["kev"]]
    for c in rng.sample(kev, rng.choice((1, 1, 2))):
        c["ransomware"] = True

    # --- dates: the scan, the 72-hour clock and the KEV due dates ---------------------------
    month = seed % 12 + 1  # consecutive seeds never share the deadline
    scan_day = rng.randint(2, 24)
    finished = datetime(YEAR, month, scan_day, rng.randint(1, 5), rng.randint(0, 59))
    issued = datetime(YEAR, month, scan_day, rng.randint(9, 16), rng.randint(0, 59))
    started = finished - timedelta(hours=rng.randint(5, 9), minutes=rng.randint(0, 59))
    scan_date = issued.date()
    due_in = rng.choice((1, 2, 2, 4, 6, 9, 12, 15, 18))
    top_due = scan_date + timedelta(days=due_in)
    oldest = (scan_date - date(YEAR - 1, 2, 1)).days  # the fictional ids start in 2025
    added = {top["id"]: top_due - timedelta(days=KEV_DAYS)}
    for c in kev:
        if c is not top:
            added[c["id"]] = scan_date - timedelta(days=rng.randint(3, min(420, oldest)))
    deadline = min(
        issued + timedelta(hours=EMERGENCY_HOURS), datetime.combine(top_due, datetime.max.time())
    )

    # --- the national KEV catalogue ---------------------------------------------------------
    entries = []

    def year_ok(cve_id: str, when: date) -> str:
        # a CVE-2026 id cannot have been catalogued in 2025
        return cve_id.replace("CVE-2026-", "CVE-2025-") if when.year < 2026 else cve_id

    renamed = {}
    for c in kev:
        new = year_ok(c["id"], added[c["id"]])
        renamed[c["id"]] = new
        added[new] = added.pop(c["id"])
        c["id"] = new
    for c in kev:
        vendor, product, _ = products[c["kind"]]
        entries.append(
            _kev_entry(c["id"], vendor, product, c["type"], added[c["id"]], c["ransomware"])
        )
    extra_ids = ids[len(cves) :]
    n_extra = rng.randint(22, 38)
    other_vendors = ("Tailspin", "Northwind", "Litware", "Wingtip", "Lucerne", "Woodgrove")
    other_products = (
        "Router OS",
        "IP Camera Firmware",
        "Firewall",
        "NAS",
        "Helpdesk",
        "Remote Support",
        "Managed File Transfer",
        "Load Balancer",
    )
    for cve_id in extra_ids[:n_extra]:
        when = scan_date - timedelta(days=rng.randint(1, min(500, oldest)))
        if rng.random() < 0.35:  # the same product as something in the ministry: a near miss
            vendor, product, _ = products[rng.choice(tuple(KINDS))]
        else:
            vendor, product = rng.choice(other_vendors), rng.choice(other_products)
        entries.append(
            _kev_entry(
                year_ok(cve_id, when),
                vendor,
                product,
                rng.choice(SEVERE),
                when,
                rng.random() < 0.3,
            )
        )
    entries.sort(key=lambda e: (e["dateAdded"], e["cveID"]), reverse=True)
    latest = max(e["dateAdded"] for e in entries)
    kev_json = (
        json.dumps(
            {
                "title": "National CERT (PKCERT) Known Exploited Vulnerabilities Catalogue",
                "catalogVersion": latest.replace("-", "."),
                "dateReleased": f"{latest}T17:00:00.000Z",
                "count": len(entries),
                "vulnerabilities": entries,
            },
            indent=2,
        )
        + "\n"
    )

    # --- the scanner export -----------------------------------------------------------------
    plugin_ids: dict[str, int] = {}

    def plugin(name: str) -> int:
        if name not in plugin_ids:
            pid = rng.randint(10000, 219999)
            while pid in plugin_ids.values():
                pid = rng.randint(10000, 219999)
            plugin_ids[name] = pid
        return plugin_ids[name]

    rows = []
    for c in cves:
        vendor, product, port = products[c["kind"]]
        fixed = versions[c["kind"]].rsplit(".", 1)[0] + f".{rng.randint(31, 60)}"
        if c["kind"] in GENERIC_FIXED:
            fixed = GENERIC_FIXED[c["kind"]](rng)
        if vendor == product:
            label = product
        elif vendor == "Microsoft":
            label = f"Microsoft {product}"
        else:
            label = f"{vendor} {product}"
        name = f"{label} < {fixed} {TYPES[c['type']][0]}"
        if c["kind"] in ("smb", "rdp"):
            name = f"{label} {TYPES[c['type']][0]} ({rng.choice(('KB', 'MS'))}{rng.randint(5000000, 5059999)})"
        for h in c["hosts"]:
            for p in c["ports"][h["name"]]:
                rows.append((plugin(name), h, p, "tcp", name, c["id"], c["score"]))

    def service_port(h: dict, kind: str) -> int | None:
        for p in h["products"]:
            prod_port = products[p][2]
            if kind == "tls" and prod_port in (443, 8443, 8080, 10000):
                return prod_port
            if kind == "ssh" and p == "openssh":
                return 22
            if kind == "smb" and p == "smb":
                return 445
            if kind == "rdp" and p == "rdp":
                return 3389
        return None

    for h in (h for h in hosts if h["scanned"]):
        first_port = products[h["products"][0]][2]
        for name, score, kind in NOISE:
            if kind in ("icmp", "udp"):
                if rng.random() < (0.9 if score is None else 0.4):
                    rows.append(
                        (plugin(name), h, 0, kind if kind == "udp" else "icmp", name, "", score)
                    )
                continue
            port = first_port if kind == "any" else service_port(h, kind)
            if port is None or rng.random() > (0.8 if score is None else 0.35):
                continue
            rows.append((plugin(name), h, port, "tcp", name, "", score))
        if h["os"] == OLD_WINDOWS:
            name = "Microsoft Windows Server 2012 R2 Unsupported Version Detection"
            rows.append((plugin(name), h, 0, "tcp", name, "", 10.0))
        for p in h["products"]:  # version detection, one info row per product
            vendor, product, port = products[p]
            name = f"{product if vendor == product else vendor + ' ' + product} Detection"
            rows.append((plugin(name), h, port, "tcp", name, "", None))

    order = {
        h["name"]: i
        for i, h in enumerate(
            sorted(hosts, key=lambda h: tuple(int(x) for x in h["ip"].split(".")))
        )
    }
    rows.sort(key=lambda r: (order[r[1]["name"]], r[2], r[0], r[5]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["plugin_id", "host", "ip", "port", "protocol", "name", "cve", "cvss_v3", "severity"]
    )
    for pid, h, port, proto, name, cve, score in rows:
        writer.writerow(
            [
                pid,
                h["name"],
                h["ip"],
                port,
                proto,
                name,
                cve,
                "" if score is None else f"{score:.1f}",
                severity(score),
            ]
        )
    scan_csv = out.getvalue()

    # --- the asset register (a few hosts the scan did not reach are on it too) --------------
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["host", "ip", "owner_division", "internet_facing", "criticality", "os", "custodian"]
    )
    register = list(hosts)
    rng.shuffle(register)
    register.sort(key=lambda h: (h["division"], h["name"]))
    for h in register:
        writer.writerow(
            [
                h["name"],
                h["ip"],
                h["division"],
                "yes" if h["internet"] else "no",
                h["crit"],
                h["os"],
                h["custodian"],
            ]
        )
    assets_csv = out.getvalue()

    # --- the answers ------------------------------------------------------------------------
    kev_ids = {c["id"] for c in kev}
    kev_rows = [r for r in rows if r[5] in kev_ids]
    emergency = sorted({r[1]["name"] for r in kev_rows if r[1]["internet"]})
    per_host = Counter(r[1]["name"] for r in kev_rows)
    (most, n_most), (_, n_next) = per_host.most_common(2)
    assert n_most > n_next
    critical_hosts = sorted(
        {r[1]["name"] for r in rows if r[1]["internet"] and r[6] is not None and r[6] >= 9.0}
    )
    ransomware = sorted(c["id"] for c in kev if c["ransomware"])

    officer = (
        f"{rng.choice(FIRST_NAMES)} {rng.choice(('Ali', 'Rafiq', 'Anwar', 'Iqbal', 'Saeed'))}"
    )
    readme = README.format(
        ministry=ministry,
        code=code,
        started=started.strftime("%Y-%m-%d %H:%M"),
        finished=finished.strftime("%Y-%m-%d %H:%M"),
        issued=issued.strftime("%Y-%m-%d %H:%M"),
        n_hosts=sum(h["scanned"] for h in hosts),
        n_rows=len(rows),
        officer=officer,
        kev_version=latest.replace("-", "."),
        sha_scan=hashlib.sha256(scan_csv.encode()).hexdigest(),
        sha_kev=hashlib.sha256(kev_json.encode()).hexdigest(),
        sha_assets=hashlib.sha256(assets_csv.encode()).hexdigest(),
    )
    scan_name = "scan_export.csv"
    return Case(
        files={
            scan_name: scan_csv,
            "kev.json": kev_json,
            "assets.csv": assets_csv,
            "README.txt": readme,
        },
        answers={
            "patch-first": top["id"],
            "emergency-hosts": emergency,
            "kev-findings": len(kev_rows),
            "ransomware-cves": ransomware,
            "deadline": deadline.date().isoformat(),
            "internet-critical": len(critical_hosts),
            "most-kev-host": most,
        },
        notes={
            "issued": issued.isoformat(),
            "top_due": top_due.isoformat(),
            "kev_in_scan": sorted(kev_ids),
            "critical_hosts": critical_hosts,
            "renamed": renamed,
        },
    )


README = """\
{ministry} - IT Wing
Monthly vulnerability scan: hand-over note for the patch board
==============================================================

Scanner          : scan01.{code}.example (credentialed network scan)
Scan window      : {started} to {finished} PKT (Asia/Karachi, UTC+05:00)
Report issued    : {issued} PKT   <- the 72-hour clock starts here
Hosts scanned    : {n_hosts}
Findings exported: {n_rows} rows
KEV catalogue    : PKCERT catalogue version {kev_version}
Prepared by      : {officer}, Network Security Officer

Files
-----
scan_export.csv  One row per finding: plugin_id, host, ip, port, protocol, name, cve,
                 cvss_v3 (CVSS v3.x base score; empty for informational rows) and severity
                 (Critical 9.0-10.0, High 7.0-8.9, Medium 4.0-6.9, Low 0.1-3.9, Info none).
                 A finding that has no CVE has an empty cve column. The same CVE on two
                 hosts, or on two ports of one host, is two rows (two findings).
kev.json         The national Known Exploited Vulnerabilities catalogue (PKCERT), in the
                 CISA KEV format. dueDate is the date by which listed CVEs must be fixed.
assets.csv       The asset register: owner division, internet_facing (yes/no),
                 criticality (high/medium/low), operating system and custodian. The
                 register, not the address, says whether a host is internet-facing.

Patch policy (IT Wing circular, patch management)
-------------------------------------------------
1. EMERGENCY CHANGE. A finding whose CVE appears in the KEV catalogue (kev.json), on a
   host that the asset register marks internet_facing = yes, is fixed through an
   emergency change. Deadline: {hours} hours after the report was issued, or the KEV
   dueDate, whichever comes first. Every host with such a finding needs an emergency
   change.
2. Everything else is fixed through the normal change process by CVSS v3 base score:
   Critical (9.0 and above) within 15 days, High within 30 days, Medium and Low within
   90 days. KEV-listed findings on hosts that are not internet-facing take the Critical
   (15-day) slot whatever their score.
3. Order of work. The first emergency change is the CVE that is KEV-listed, found on an
   internet-facing host of high criticality, and has the highest CVSS v3 base score of all
   such CVEs. Then the remaining emergency changes, then the rest by deadline.
4. Hosts with an unsupported operating system are reported to the Director (IT) for
   replacement; they are not patched.

Checksums (SHA-256)
-------------------
{sha_scan}  scan_export.csv
{sha_kev}  kev.json
{sha_assets}  assets.csv
""".replace("{hours}", str(EMERGENCY_HOURS))
