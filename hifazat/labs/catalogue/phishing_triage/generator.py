"""Case generator for the "Phishing e-mail triage" lab.

Staff of one ministry forwarded five suspicious e-mails to the IT wing; the evidence is the
original messages (``message-1.eml`` … ``message-5.eml``, exported from the mailbox server with
every header) and the help desk's ``README.txt``. Among them: a genuine e-Office notification
from the ministry's own domain, a genuine advisory from another government domain, a vendor's
newsletter, a piece of bulk spam and the real phish, sent from a VPS on a look-alike domain with
failing SPF and DMARC, a free-mail ``Reply-To`` and a macro document or HTML attachment.

Every seed changes the ministry, people, addresses, times, look-alike technique, attachment bytes
and message ids. Consecutive seeds must never share an identifying answer, so a few choices
follow the seed's parity: the phish's file (odd or even position), the look-alike technique
(homoglyph or not), the free-mail providers of the Reply-To, the last octet of the sending IP
and the day of the month on which the phish was sent.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
import textwrap
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from hifazat.labs.case import Case

YEAR = 2026
MONTH = 3
PKT = timezone(timedelta(hours=5), "PKT")
FILES = tuple(f"message-{n}.eml" for n in range(1, 6))
POLICY = policy.default.clone(linesep="\n", max_line_length=78)

MINISTRIES = (
    ("moitt", "Ministry of Information Technology and Telecommunication"),
    ("mofa", "Ministry of Foreign Affairs"),
    ("moib", "Ministry of Information and Broadcasting"),
    ("mowr", "Ministry of Water Resources"),
    ("mopdsi", "Ministry of Planning, Development and Special Initiatives"),
    ("mohr", "Ministry of Human Rights"),
    ("moe", "Ministry of Energy (Power Division)"),
    ("commerce", "Ministry of Commerce"),
    ("establishment", "Establishment Division"),
    ("cabinet", "Cabinet Division"),
    ("interior", "Ministry of Interior"),
    ("finance", "Finance Division"),
)
# Another government body whose genuine advisory is among the forwarded messages.
OTHER_GOV = (
    ("ntisb", "NTISB Secretariat", "National Telecom and IT Security Board"),
    ("pkcert", "National CERT", "National Computer Emergency Response Team"),
    ("nitb", "NITB e-Office Support", "National Information Technology Board"),
)
SECTIONS = (
    "Admin", "Budget", "Coordination", "Development", "Establishment", "Accounts", "Legal",
    "Procurement", "IT", "Parliament", "Policy", "Training",
)  # fmt: skip
FIRST = (
    "Saima", "Ayesha", "Bilal", "Farhan", "Hina", "Imran", "Kashif", "Mehwish", "Naveed",
    "Tariq", "Usman", "Zainab", "Rabia", "Faisal", "Sadia", "Waqas", "Nadia", "Asad", "Sana",
    "Hamza", "Mariam", "Adeel", "Fatima", "Shahid", "Amna", "Junaid", "Rizwan", "Uzma",
)  # fmt: skip
LAST = (
    "Khan", "Ahmed", "Malik", "Qureshi", "Siddiqui", "Butt", "Chaudhry", "Abbasi", "Raza",
    "Hussain", "Javed", "Iqbal", "Mirza", "Shah", "Baig", "Akhtar", "Niazi", "Rana", "Gillani",
)  # fmt: skip
DESIGNATIONS = (
    "Section Officer", "Assistant Director", "Deputy Secretary", "Joint Secretary",
    "Private Secretary", "Assistant Private Secretary", "Accounts Officer",
)  # fmt: skip
# Look-alike registrations: the attacker's domain sits outside gov.example, like a real one.
SUFFIXES = ("-gov.example", "gov.example", "-gov-pk.example", "-govpk.example", "-pk.example")
FREEMAIL = (
    ("mailbox-free.example", "quickinbox.example", "postbox-mail.example"),  # even seeds
    ("freemail-pk.example", "inboxnow.example", "zapmail.example"),  # odd seeds
)
LURES = (
    ("Revised TA/DA rates for FY 2025-26", "revised TA/DA rates"),
    ("Pay & allowances arrears: verification of your details", "pay arrears verification"),
    ("Transfer/posting orders: list of officers", "transfer/posting orders"),
    ("Cabinet Division circular: official e-mail password reset", "e-mail password reset"),
    ("Annual Confidential Report (PER) pending your signature", "PER signature"),
    ("Special allowance notification for BPS 1-19 employees", "special allowance notification"),
)
GENUINE_FILES = (
    ("Diary No. {n}: minutes of the coordination meeting", "Minutes_{n}.pdf"),
    ("Diary No. {n}: office order regarding attendance", "Office_Order_{n}.pdf"),
    ("Diary No. {n}: leave encashment cases for approval", "Leave_Cases_{n}.pdf"),
    ("Diary No. {n}: PC-1 comments requested", "PC1_Comments_{n}.pdf"),
)
ADVISORIES = (
    "Advisory: spear-phishing campaign impersonating federal ministries",
    "Advisory: malicious Office documents sent to government e-mail addresses",
    "Advisory: fake e-Office login pages harvesting passwords",
    "Advisory: critical update for e-mail gateway software (CVE-2026-90{n:03d})",
)
VENDORS = (
    ("CloudDesk Solutions", "clouddesk", "Webinar: securing document workflows in government"),
    ("ByteFort Systems", "bytefort", "New: backup appliances for federal offices"),
    ("PaperLite Technologies", "paperlite", "Your guide to going paperless in 2026"),
    ("NetSahulat", "netsahulat", "Invitation: digital governance expo, Islamabad"),
)
SPAM = (
    ("Office furniture at 40% discount - limited stock", "deals"),
    ("Get your website on the first page of search results", "seo"),
    ("Bulk SMS packages for your department", "sms"),
    ("Cheap printer toner for government offices", "toner"),
)
ESP_HOSTS = ("mta{n}.sendwave.example", "out{n}.mailcircle.example", "smtp{n}.bulkpost.example")
VPS_NAMES = (
    "unknown", "vps-{a}-{b}.cloudhost.example", "static-{b}.hostnet.example",
    "srv{b}.dedibox.example",
)  # fmt: skip
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def homoglyph(name: str) -> str:
    """The name with one letter swapped for a look-alike, as typosquatters do."""
    for old, new in (("m", "rn"), ("w", "vv"), ("o", "0"), ("l", "1"), ("i", "l")):
        if old in name:
            return name.replace(old, new, 1)
    return name[:2] + name[1] + name[2:]


def defanged(address: str) -> list[str]:
    """The plain form and the usual defanged ones (last dot, or every dot, in brackets)."""
    head, _, tail = address.rpartition(".")
    forms = [address, f"{head}[.]{tail}", address.replace(".", "[.]")]
    return list(dict.fromkeys(forms))


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed

    def token(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def hexid(self, n: int) -> str:
        return self.token(n, "0123456789ABCDEF")

    def postfix_id(self) -> str:
        return (
            "4"
            + self.token(1, "TVWXYZ")
            + self.token(12, "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz")
        )

    def person(self, used: set) -> tuple[str, str]:
        while True:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            if (first, last) not in used:
                used.add((first, last))
                return first, last

    def dkim(self, domain: str, selector: str, headers: str) -> str:
        bh = base64.b64encode(self.rng.randbytes(32)).decode()
        sig = base64.b64encode(self.rng.randbytes(128)).decode()
        b = " ".join(sig[i : i + 64] for i in range(0, len(sig), 64))  # folded, as signers do
        return (
            f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={selector}; "
            f"h={headers}; bh={bh}; b={b}"
        )


def stamp(when: datetime) -> str:
    """A Received-header date, as Postfix writes it: RFC 5322 date and the zone's abbreviation."""
    offset = when.utcoffset() or timedelta(0)
    if when.tzname() == "PKT":
        zone = "PKT"
    elif not offset:
        zone = "UTC"
    else:
        hours = int(offset.total_seconds() // 3600)
        zone = f"{hours:+03d}"
    return f"{format_datetime(when)} ({zone})"


def wrap(text: str) -> str:
    """Plain-text body wrapped at 72 columns, as mail clients send it (links left whole)."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= 72 or line.startswith((" ", "http")):
            lines.append(line)
        else:
            lines.append(textwrap.fill(line, 72, break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


def build(headers: list[tuple[str, str]], text: str, html: str | None, attachments=()) -> str:
    msg = EmailMessage(policy=POLICY)
    for name, value in headers:
        msg[name] = value
    msg.set_content(wrap(text), cte="7bit")
    if html is not None:
        msg.add_alternative(html, subtype="html", cte="7bit")
    for data, maintype, subtype, filename in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    boundary = hashlib.sha256(text.encode()).hexdigest()[:24]
    for i, part in enumerate(msg.walk()):
        if part is not msg and "MIME-Version" in part:
            del part["MIME-Version"]
        if part.is_multipart():
            part.set_boundary(f"----=_Part_{i}_{boundary}")
    return msg.as_string()


def docm(g: Gen, title: str) -> bytes:
    """A small macro-enabled Word document (an OOXML zip with a vbaProject.bin)."""
    buffer = io.BytesIO()
    stamp_ = (YEAR, MONTH, 1, 9, 0, 0)
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.'
            b'vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.'
            b'ms-word.document.macroEnabled.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{title}</w:t></w:r></w:p><w:p><w:r><w:t>This document was "
            "created in a newer version. To view the content click Enable Editing and then "
            "Enable Content.</w:t></w:r></w:p></w:body></w:document>"
        ).encode(),
        "word/_rels/document.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/'
            b'vbaProject" Target="vbaProject.bin"/></Relationships>'
        ),
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + g.rng.randbytes(1528),
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, stamp_)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buffer.getvalue()


def login_page(g: Gen, real: str, host: str) -> bytes:
    """An HTML attachment imitating the e-Office sign-in page (inert: .example addresses)."""
    token = g.token(20)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<title>e-Office | {real}</title></head>\n<body style="font-family:Arial">\n'
        '<div style="width:360px;margin:60px auto"><h3>e-Office: sign in to view the '
        "notification</h3>\n"
        f'<form method="post" action="https://{host}/eoffice/auth/verify.php?t={token}">\n'
        '<input name="email" placeholder="Official e-mail"><br>\n'
        '<input name="password" type="password" placeholder="Password"><br>\n'
        '<button type="submit">View document</button></form></div>\n'
        f"<!-- {g.token(32)} -->\n</body></html>\n"
    ).encode()


def pdf(g: Gen, title: str) -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
        + f"4 0 obj << /Length {len(body)} >> stream\n".encode()
        + body
        + b"\nendstream endobj\n% "
        + g.token(40).encode()
        + b"\n%%EOF\n"
    )


def generate(seed: int) -> Case:
    g = Gen(seed)
    rng = g.rng
    parity = seed % 2
    abbr, ministry = rng.choice(MINISTRIES)
    domain = f"{abbr}.gov.example"
    net = f"10.{rng.randrange(20, 250)}"
    mx = (f"mx{rng.randint(1, 2)}.{domain}", f"{net}.1.{rng.randrange(20, 30)}")
    gw = (f"mailgw.{domain}", f"{net}.1.{rng.randrange(30, 40)}")
    mbx = (f"mbx0{rng.randint(1, 3)}.{domain}", f"{net}.2.{rng.randrange(10, 20)}")
    eoffice = (f"eoffice.{domain}", f"{net}.3.{rng.randrange(10, 60)}")
    used: set = set()
    staff = []
    for _ in range(5):
        first, last = g.person(used)
        staff.append(
            {
                "name": f"{first} {last}",
                "mail": f"{first[0].lower()}.{last.lower()}@{domain}",
                "title": f"{rng.choice(DESIGNATIONS)} ({rng.choice(SECTIONS)})",
            }
        )

    # The phish: a look-alike domain, a VPS, failing authentication
    if parity == 0:
        fake = homoglyph(abbr) + rng.choice(SUFFIXES)
    else:
        fake = abbr + rng.choice(SUFFIXES)
    a, b = rng.choice(("203.0.113", "198.51.100")), 2 * rng.randrange(5, 125) + parity
    vps_ip = f"{a}.{b}"
    vps_rdns = rng.choice(VPS_NAMES).format(a=a.replace(".", "-"), b=b)
    vps_host = f"mail.{fake}"
    spf = rng.choice(("fail", "softfail"))
    dkim_state = rng.choice(("none", "fail"))
    first, last = g.person(used)
    lure_subject, lure_short = rng.choice(LURES)
    reply_local = rng.choice(
        (f"{first.lower()}.{last.lower()}{rng.randrange(10, 99)}", f"js.{abbr}{rng.randrange(10, 99)}",
         f"{abbr}.section{rng.randrange(1, 30)}", f"{last.lower()}.office{rng.randrange(10, 99)}")
    )  # fmt: skip
    reply_to = f"{reply_local}@{rng.choice(FREEMAIL[parity])}"
    sender_local = rng.choice(("notifications", "eoffice", "no-reply", "admin.wing", "secretary"))
    n = rng.randrange(1000, 99999)
    kind = rng.choice(("docm", "html"))
    if kind == "docm":
        attachment = docm(g, lure_subject)
        att_name = f"Notification_{n}.docm"
        att_type = ("application", "vnd.ms-word.document.macroEnabled.12")
    else:
        attachment = login_page(g, domain, f"portal.{fake}")
        att_name = f"Notification_{n}.html"
        att_type = ("text", "html")
    days = [d for d in range(2, 28) if d % 2 == parity and datetime(YEAR, MONTH, d).weekday() < 5]
    day = rng.choice(days[1:-1])
    sent_pkt = datetime(
        YEAR, MONTH, day, rng.randrange(8, 16), rng.randrange(60), rng.randrange(60), tzinfo=PKT
    )
    sender_zone = timezone(timedelta(hours=rng.choice((0, 0, 3, 4))))
    sent = sent_pkt.astimezone(sender_zone)
    victim = staff[0]

    def internal_hops(at: datetime, to: str) -> tuple[list[tuple[str, str]], datetime, datetime]:
        """Delivery inside the ministry: MX -> gateway -> mailbox (newest first)."""
        t1 = at + timedelta(seconds=rng.randint(1, 4))
        t2 = t1 + timedelta(seconds=rng.randint(1, 6))
        t3 = t2 + timedelta(seconds=rng.randint(0, 2))
        hops = [
            ("Received", f"from {gw[0]} ({gw[0]} [{gw[1]}]) by {mbx[0]} (Postfix) with ESMTPS id "
             f"{g.postfix_id()} for <{to}>; {stamp(t3)}"),
        ]  # fmt: skip
        return hops, t1, t2

    def gateway_received(t2: datetime, to: str) -> tuple[str, str]:
        return (
            "Received",
            f"from {mx[0]} ({mx[0]} [{mx[1]}]) by {gw[0]} (Postfix) with ESMTP id "
            f"{g.postfix_id()} for <{to}>; {stamp(t2)}",
        )

    def external(
        at, to, mail_from, from_domain, client, client_ip, spf_, dkim_, dmarc_, dkim_domain=None
    ) -> list[tuple[str, str]]:
        """Headers added by the ministry's servers for a message from the internet."""
        hops, t1, t2 = internal_hops(at, to)
        reason = {
            "pass": f"domain of {mail_from} designates {client_ip} as permitted sender",
            "fail": f"domain of {mail_from} does not designate {client_ip} as permitted sender",
            "softfail": f"domain of transitioning {mail_from} does not designate {client_ip} "
            "as permitted sender",
            "neutral": f"{client_ip} is neither permitted nor denied by domain of {mail_from}",
            "none": f"domain of {mail_from} has no SPF policy",
        }[spf_]
        dkim_text = {
            "pass": f"dkim=pass header.d={dkim_domain} header.s=sel1 header.b={g.token(8)}",
            "fail": f"dkim=fail (bad signature) header.d={dkim_domain} header.b={g.token(8)}",
            "none": "dkim=none (message not signed)",
        }[dkim_]
        dmarc_text = {
            "pass": f"dmarc=pass (p=quarantine dis=none) header.from={from_domain}",
            "fail": f"dmarc=fail (p={rng.choice(('none', 'quarantine'))} dis=none) "
            f"header.from={from_domain}",
            "none": f"dmarc=none (no DMARC record) header.from={from_domain}",
        }[dmarc_]
        helo, rdns = client
        return [
            *hops,
            ("Authentication-Results", f"{gw[0]}; spf={spf_} ({reason}) "
             f"smtp.mailfrom={mail_from}; {dkim_text}; {dmarc_text}"),
            gateway_received(t2, to),
            ("Received-SPF", f"{spf_.capitalize()} (mailfrom) identity=mailfrom; client-ip={client_ip}; "
             f"helo={helo}; envelope-from={mail_from}; receiver={mx[0]}"),
            ("Received", f"from {helo} ({rdns} [{client_ip}]) by {mx[0]} (Postfix) with ESMTPS "
             f"id {g.postfix_id()} for <{to}>; {stamp(t1)}"),
        ]  # fmt: skip

    messages = {}

    # --- the phish ---------------------------------------------------------------------------
    bounce = f"bounce-{g.token(6).lower()}@{fake}"
    head = [("Return-Path", f"<{bounce}>"), ("Delivered-To", victim["mail"])]
    head += external(
        sent_pkt, victim["mail"], bounce, fake, (vps_host, vps_rdns),
        vps_ip, spf, dkim_state, "fail", fake,
    )  # fmt: skip
    local_at = sent + timedelta(seconds=rng.randint(0, 1))
    head.append(
        ("Received", f"from localhost (localhost [127.0.0.1]) by {vps_host} (Postfix) with ESMTP "
         f"id {g.postfix_id()} for <{victim['mail']}>; {stamp(local_at)}")
    )  # fmt: skip
    if dkim_state == "fail":
        head.append(("DKIM-Signature", g.dkim(fake, "default", "from:to:subject:date:message-id")))
    portal = f"https://eoffice.{domain}/"
    link = f"https://portal.{fake}/eoffice/auth/login.php?u={g.token(16)}"
    head += [
        ("Date", format_datetime(sent)),
        (
            "From",
            formataddr((f"e-Office Notification - {abbr.upper()}", f"{sender_local}@{fake}")),
        ),
        ("Reply-To", reply_to),
        ("To", f"{victim['name']} <{victim['mail']}>"),
        ("Subject", f"URGENT: {lure_subject}"),
        ("Message-ID", f"<{g.token(32)}@{fake}>"),
        ("X-Mailer", "PHPMailer 6.9.1"),
        ("X-Priority", "1 (Highest)"),
    ]
    text = (
        f"Dear {victim['name']},\n\nA file has been marked to you on e-Office for URGENT action "
        f"regarding {lure_short}.\n\nPlease open the attached notification ({att_name}) and "
        "confirm your details today. If the document does not open, sign in to the e-Office "
        f"portal:\n{portal}\n\nCases not confirmed by 5 PM will be returned to the Section.\n\n"
        f"Regards,\ne-Office Cell\n{ministry}\n"
    )
    html = (
        f'<html><body style="font-family:Calibri,Arial"><p>Dear {victim["name"]},</p>\n'
        f"<p>A file has been marked to you on <b>e-Office</b> for <b>URGENT</b> action "
        f"regarding {lure_short}.</p>\n<p>Please open the attached notification and confirm "
        "your details today. If the document does not open, sign in to the e-Office portal:"
        f'<br>\n<a href="{link}">{portal}</a></p>\n<p>Cases not confirmed by 5 PM will be '
        f"returned to the Section.</p>\n<p>Regards,<br>e-Office Cell<br>{ministry}</p>"
        "</body></html>\n"
    )
    phish = build(head, text, html, [(attachment, *att_type, att_name)])

    # --- genuine e-Office notification from the ministry's own domain --------------------------
    to = staff[1]
    at = sent_pkt + timedelta(days=rng.choice((-1, 1)), minutes=rng.randint(-200, 200))
    diary = rng.randrange(1000, 9999)
    subject, pdf_name = rng.choice(GENUINE_FILES)
    subject, pdf_name = subject.format(n=diary), pdf_name.format(n=diary)
    marker = staff[4]
    hops, t1, t2 = internal_hops(at, to["mail"])
    head = [("Return-Path", f"<eoffice-noreply@{domain}>"), ("Delivered-To", to["mail"]), *hops]
    head += [
        ("Authentication-Results", f"{gw[0]}; spf=pass (domain of eoffice-noreply@{domain} "
         f"designates {eoffice[1]} as permitted sender) smtp.mailfrom=eoffice-noreply@{domain}; "
         f"dkim=pass header.d={domain} header.s=eo2026 header.b={g.token(8)}; dmarc=pass "
         f"(p=quarantine dis=none) header.from={domain}"),
        ("Received", f"from {eoffice[0]} ({eoffice[0]} [{eoffice[1]}]) by {gw[0]} (Postfix) "
         f"with ESMTP id {g.postfix_id()} for <{to['mail']}>; {stamp(t2)}"),
        ("DKIM-Signature", g.dkim(domain, "eo2026", "from:to:subject:date:message-id")),
        ("Date", format_datetime(at)),
        ("From", f"e-Office <eoffice-noreply@{domain}>"),
        ("To", f"{to['name']} <{to['mail']}>"),
        ("Subject", f"e-Office: {subject}"),
        ("Message-ID", f"<eo.{rng.randrange(10**9, 10**10)}.{g.token(6)}@{eoffice[0]}>"),
        ("X-Mailer", "eOffice Notification Service 3.2"),
    ]  # fmt: skip
    text = (
        f"Dear {to['name']},\n\nThe following file has been marked to you by {marker['name']}, "
        f"{marker['title']}:\n\n  {subject}\n\nThe file is available in your e-Office inbox "
        f"({portal}). A copy of the noting is attached for reference.\n\nThis is a system "
        f"generated message; please do not reply.\n\ne-Office\n{ministry}\n"
    )
    genuine = build(head, text, None, [(pdf(g, subject), "application", "pdf", pdf_name)])

    # --- genuine advisory from another government body -----------------------------------------
    to = staff[2]
    o_abbr, o_sender, o_name = rng.choice(OTHER_GOV)
    o_domain = f"{o_abbr}.gov.example"
    o_ip = f"{rng.choice(('192.0.2', '198.51.100'))}.{rng.randrange(2, 250)}"
    o_at = sent_pkt + timedelta(days=rng.choice((-3, -2, 2, 3)), minutes=rng.randint(-300, 300))
    o_mx = f"mail.{o_domain}"
    advisory = rng.choice(ADVISORIES).format(n=rng.randrange(1, 99))
    ref = f"{o_abbr.upper()}/ADV/{YEAR}/{rng.randrange(10, 99)}"
    head = [("Return-Path", f"<advisories@{o_domain}>"), ("Delivered-To", to["mail"])]
    head += external(
        o_at, to["mail"], f"advisories@{o_domain}", o_domain, (o_mx, o_mx), o_ip,
        "pass", "pass", "pass", o_domain,
    )  # fmt: skip
    head.append(
        ("Received", f"from [10.{rng.randrange(1, 250)}.{rng.randrange(1, 250)}.{rng.randrange(2, 250)}] "
         f"(unknown) by {o_mx} (Postfix) with ESMTPSA id {g.postfix_id()}; "
         f"{stamp(o_at - timedelta(seconds=rng.randint(2, 9)))}")
    )  # fmt: skip
    head += [
        ("DKIM-Signature", g.dkim(o_domain, "sel1", "from:to:subject:date:message-id:reply-to")),
        ("Date", format_datetime(o_at - timedelta(seconds=rng.randint(10, 40)))),
        ("From", f"{o_sender} <advisories@{o_domain}>"),
        ("Reply-To", f"{o_sender} <incident@{o_domain}>"),
        ("To", f"{to['name']} <{to['mail']}>"),
        ("Subject", f"[{ref}] {advisory}"),
        ("Message-ID", f"<{rng.randrange(10**11, 10**12)}.{g.token(8)}@{o_mx}>"),
        ("X-Mailer", "Microsoft Outlook 16.0"),
    ]
    text = (
        f"Reference: {ref}\n\n{advisory}.\n\nAll ministries and divisions are advised to brief "
        "their staff: do not open attachments or links in unexpected e-mails, check the "
        "sender's domain carefully, and report suspicious messages to the IT wing. Macro-"
        "enabled documents (.docm, .xlsm) and HTML attachments that ask for a password should "
        "be blocked at the e-mail gateway.\n\nIndicators are shared with IT wings separately "
        f"through the secure portal.\n\n{o_name}\n"
    )
    html = "<html><body><p>" + text.replace("\n\n", "</p>\n<p>") + "</p></body></html>\n"
    advisory_mail = build(head, text, html)

    # --- vendor newsletter (legitimate, but external) ------------------------------------------
    to = staff[3]
    v_name, v_slug, v_subject = rng.choice(VENDORS)
    v_domain = f"{v_slug}.example"
    esp = rng.choice(ESP_HOSTS).format(n=rng.randrange(1, 40))
    esp_domain = esp.split(".", 1)[1]
    v_ip = f"{rng.choice(('192.0.2', '198.51.100'))}.{rng.randrange(2, 250)}"
    v_at = sent_pkt + timedelta(days=rng.choice((-2, -1, 1, 2)), minutes=rng.randint(-300, 300))
    v_bounce = f"bounces+{rng.randrange(10**6, 10**7)}@em.{v_domain}"
    head = [("Return-Path", f"<{v_bounce}>"), ("Delivered-To", to["mail"])]
    head += external(
        v_at, to["mail"], v_bounce, v_domain, (esp, esp), v_ip, "pass", "pass", "pass", v_domain,
    )  # fmt: skip
    head += [
        ("DKIM-Signature", g.dkim(v_domain, "s1", "from:to:subject:date:list-unsubscribe")),
        ("DKIM-Signature", g.dkim(esp_domain, "smtpapi", "from:to:subject:date")),
        ("Date", format_datetime(v_at.astimezone(UTC))),
        ("From", f"{v_name} <news@{v_domain}>"),
        ("To", to["mail"]),
        ("Subject", v_subject),
        ("Message-ID", f"<{g.token(22)}@{esp_domain}>"),
        ("List-Unsubscribe", f"<https://em.{v_domain}/unsubscribe?u={g.token(24)}>"),
        ("X-Mailer", "MailCircle ESP 4.1"),
    ]
    text = (
        f"{v_subject}\n\nDear colleague,\n\n{v_name} works with public sector offices across "
        "Pakistan. Join our free session next week to see how other departments handle their "
        f"files.\n\nRegister: https://www.{v_domain}/events\n\nYou receive this e-mail because "
        f"you attended one of our events. Unsubscribe: https://em.{v_domain}/unsubscribe\n"
    )
    html = "<html><body><p>" + text.replace("\n\n", "</p>\n<p>") + "</p></body></html>\n"
    newsletter = build(head, text, html)

    # --- bulk spam -----------------------------------------------------------------------------
    to = staff[4]
    s_subject, s_slug = rng.choice(SPAM)
    s_domain = (
        f"{s_slug}-{rng.choice(('offers', 'pk', 'mart', 'hub'))}{rng.randrange(1, 99)}.example"
    )
    s_ip = f"192.0.2.{rng.randrange(2, 250)}"
    s_at = sent_pkt + timedelta(days=rng.choice((-2, -1, 1, 2)), minutes=rng.randint(-300, 300))
    s_from = f"info@{s_domain}"
    s_spf = rng.choice(("softfail", "neutral", "none"))
    head = [("Return-Path", f"<{s_from}>"), ("Delivered-To", to["mail"])]
    head += external(
        s_at, to["mail"], s_from, s_domain, (f"mail.{s_domain}", "unknown"), s_ip,
        s_spf, "none", "none",
    )  # fmt: skip
    head += [
        ("Date", format_datetime(s_at)),
        ("From", f"Sales Team <{s_from}>"),
        ("To", "undisclosed-recipients:;"),
        ("Subject", s_subject),
        ("Message-ID", f"<{g.token(16)}.{rng.randrange(10**5, 10**6)}@{s_domain}>"),
        ("X-Mailer", "SendBulk Pro 2.7"),
    ]
    text = (
        f"{s_subject}!\n\nDear Sir/Madam,\n\nWe supply government departments all over "
        f"Pakistan. Call or reply for rates.\n\nhttps://www.{s_domain}/\n\nTo stop receiving "
        "these offers reply with REMOVE.\n"
    )
    spam = build(head, text, None)

    # --- files ---------------------------------------------------------------------------------
    position = rng.choice((0, 2, 4)) if parity == 0 else rng.choice((1, 3))
    others = [(genuine, staff[1], True), (advisory_mail, staff[2], False)]
    others += [(newsletter, staff[3], False), (spam, staff[4], False)]
    rng.shuffle(others)
    others.insert(position, (phish, victim, True))
    remarks = [
        "I did not expect this, is it genuine?",
        "Received today; not sure who sent it.",
        "Kindly verify; the sender is not known to me.",
        "Looks odd, forwarding as instructed in the last awareness session.",
        "Is this safe? I have not clicked anything.",
    ]
    rng.shuffle(remarks)
    lines = []
    for i, (text_, person, attached) in enumerate(others):
        messages[FILES[i]] = text_
        remark = "Please check the attachment before I open it." if attached else remarks[i]
        lines.append(
            f"  {FILES[i]}  reported by {person['name']}, {person['title']}:\n"
            f'                 "{remark}"'
        )
    reporter_lines = "\n".join(lines)
    helpdesk = " ".join(g.person(used))
    readme = f"""IT Wing help desk: suspicious e-mails reported by staff
{ministry}

Our mail domain: {domain}
Our mail servers (office network {net}.0.0/16; everything else is outside):
  {mx[0]:<28} {mx[1]:<14} internet-facing MX; receives mail from outside
  {gw[0]:<28} {gw[1]:<14} e-mail gateway (content filter); writes the
  {"":<28} {"":<14} Authentication-Results header
  {mbx[0]:<28} {mbx[1]:<14} mailbox server
  {eoffice[0]:<28} {eoffice[1]:<14} e-Office application (sends notifications)
Time zone of our servers: PKT (Asia/Karachi, UTC+05:00).

The originals were exported from the mailbox server with all their headers (.eml files;
open them in a text editor, not in a mail client):

{reporter_lines}

Do not open the attachments on an office computer. Calculate hashes on the analysis machine.
Exported by {helpdesk} (IT wing help desk) for the IT wing's review.
"""
    files = {name: messages[name] for name in FILES}
    files["README.txt"] = readme
    phish_file = FILES[position]
    return Case(
        files=files,
        answers={
            "phish-file": phish_file,
            "origin-ip": vps_ip,
            "spf-result": spf,
            "dmarc-result": "fail",
            "lookalike-domain": defanged(fake),
            "attachment-sha256": hashlib.sha256(attachment).hexdigest(),
            "reply-to": defanged(reply_to),
            "sent-time": sent.isoformat(),
        },
        notes={
            "domain": domain,
            "fake": fake,
            "phish_file": phish_file,
            "attachment": att_name,
            "dkim": dkim_state,
            "sent_pkt": sent_pkt.isoformat(),
            "victim": victim["mail"],
            "reply_to": reply_to,
        },
    )
