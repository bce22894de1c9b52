"""Case generator for the "Configuration hardening review" lab.

A contractor has handed over a newly built web server for a ministry. Three configuration files
carry planted weaknesses against the ministry's Server Security Baseline (given in README.txt):
``sshd_config``, ``sysctl.conf`` and ``nginx.conf``. Which controls fail varies per seed (at
least two per file), and so does how they fail: a weak value in place, a compliant line that
never takes effect (sshd uses the first value, sysctl the last, nginx the innermost block), a
commented-out or missing line. Decoys look weak but are not in force (a commented example, an
early sysctl value overridden later, nginx's http-level default overridden by the HTTPS server).

Consecutive seeds never share an answer: even seeds plant an odd number of weaknesses in each
file and odd seeds an even number, so the three "which settings fail" answers always differ.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from hifazat.labs.case import Case

# --- the baseline --------------------------------------------------------------------------

# sshd: keyword -> (compliant values, weak values)
SSHD_CONTROLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "PermitRootLogin": (("no",), ("yes",)),
    "PasswordAuthentication": (("no",), ("yes",)),
    "PermitEmptyPasswords": (("no",), ("yes",)),
    "MaxAuthTries": (("3", "4"), ("6", "8", "10")),
    "LoginGraceTime": (("30", "45", "1m", "60"), ("2m", "5m", "300", "600")),
    "X11Forwarding": (("no",), ("yes",)),
    "PermitUserEnvironment": (("no",), ("yes",)),
}
SSHD_REQUIREMENTS = [
    {"key": "PermitRootLogin", "op": "eq", "value": "no"},
    {"key": "PasswordAuthentication", "op": "eq", "value": "no"},
    {"key": "PermitEmptyPasswords", "op": "eq", "value": "no"},
    {"key": "MaxAuthTries", "op": "le", "value": 4},
    {"key": "LoginGraceTime", "op": "le", "value": 60},
    {"key": "X11Forwarding", "op": "eq", "value": "no"},
    {"key": "PermitUserEnvironment", "op": "eq", "value": "no"},
]
SSHD_KEEP = ["Port", "AllowGroups", "Subsystem"]

# sysctl: key -> (compliant value, weak value)
SYSCTL_CONTROLS: dict[str, tuple[str, str]] = {
    "net.ipv4.ip_forward": ("0", "1"),
    "net.ipv4.conf.all.accept_redirects": ("0", "1"),
    "net.ipv4.conf.all.send_redirects": ("0", "1"),
    "net.ipv4.conf.all.accept_source_route": ("0", "1"),
    "net.ipv4.conf.all.rp_filter": ("1", "0"),
    "net.ipv4.conf.all.log_martians": ("1", "0"),
    "net.ipv4.tcp_syncookies": ("1", "0"),
    "kernel.randomize_va_space": ("2", "0"),
}
SYSCTL_REQUIREMENTS = [
    {"key": key, "op": "eq", "value": good} for key, (good, _weak) in SYSCTL_CONTROLS.items()
]
SYSCTL_KEEP = ["vm.swappiness", "fs.file-max", "net.core.somaxconn"]

NGINX_CONTROLS = (
    "ssl_protocols",
    "ssl_ciphers",
    "ssl_session_tickets",
    "server_tokens",
    "add_header",
    "autoindex",
)
WEAK_CIPHER_TOKENS = ("RC4", "DES", "NULL", "EXP", "MD5")
NGINX_REQUIREMENTS = [
    *(
        {"key": "ssl_protocols", "op": "lacks", "value": old}
        for old in ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
    ),
    {"key": "ssl_protocols", "op": "has", "value": "TLSv1.2"},
    *(
        {"key": "ssl_ciphers", "op": "lacks", "value": token, "match": "substring"}
        for token in WEAK_CIPHER_TOKENS
    ),
    {"key": "ssl_session_tickets", "op": "eq", "value": "off"},
    {"key": "server_tokens", "op": "eq", "value": "off"},
    {"key": "add_header", "op": "has", "value": "Strict-Transport-Security"},
    {"key": "autoindex", "op": "eq", "value": "off", "default": "off"},
]
NGINX_KEEP = ["listen", "server_name", "ssl_certificate", "ssl_certificate_key", "root"]

GOOD_PROTOCOLS = ("TLSv1.2 TLSv1.3",)
WEAK_PROTOCOLS = (
    "TLSv1 TLSv1.1 TLSv1.2",
    "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3",
    "SSLv3 TLSv1 TLSv1.1 TLSv1.2",
    "TLSv1.1 TLSv1.2 TLSv1.3",
)
UBUNTU_PROTOCOLS = "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE"
GOOD_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256",
    "DHE-RSA-AES256-GCM-SHA384",
)
WEAK_CIPHERS = (
    ("ECDHE-RSA-DES-CBC3-SHA", "DES-CBC3-SHA"),
    ("RC4-SHA", "RC4-MD5"),
    ("ECDHE-RSA-RC4-SHA",),
    ("EXP-RC4-MD5", "EXP-DES-CBC-SHA"),
    ("NULL-SHA256", "DES-CBC3-SHA"),
    ("EDH-RSA-DES-CBC3-SHA",),
)

MINISTRIES = (
    ("Ministry of Information Technology and Telecommunication", "moitt"),
    ("Ministry of Federal Education and Professional Training", "mofept"),
    ("Ministry of Planning, Development and Special Initiatives", "mopdsi"),
    ("Ministry of Housing and Works", "mohw"),
    ("Ministry of Maritime Affairs", "moma"),
    ("Ministry of National Food Security and Research", "mnfsr"),
    ("Ministry of Science and Technology", "most"),
    ("Ministry of Water Resources", "mowr"),
    ("Ministry of Railways", "mor"),
    ("Ministry of Religious Affairs and Interfaith Harmony", "morah"),
)
SERVICES = (
    ("eoffice", "e-Office file tracking"),
    ("portal", "public information portal"),
    ("tenders", "e-procurement and tenders site"),
    ("circulars", "circulars and notifications archive"),
    ("complaints", "citizen complaints portal"),
    ("dms", "document management system"),
    ("recruitment", "online recruitment portal"),
)
PEOPLE = (
    "Adeel Qureshi", "Sana Bashir", "Kamran Aslam", "Rabia Nawaz", "Shahid Mehmood",
    "Nida Farooq", "Zeeshan Haider", "Amna Javed", "Irfan Khattak", "Mariam Siddiqui",
    "Junaid Abbasi", "Fatima Rehman", "Omer Baloch", "Hira Shafiq", "Asad Malik", "Saba Yousaf",
)  # fmt: skip
VENDORS = (
    "Indus Systems (Pvt) Ltd", "Margalla Tech Solutions", "Karakoram Networks",
    "Ravi Data Services", "Potohar IT Consultants", "Sindh Cloud Works",
)  # fmt: skip
ADMIN_GROUPS = ("sshadmins", "itwing", "webadmins", "sysops", "ops-ssh")
PUBLIC_NETS = ("192.0.2", "198.51.100", "203.0.113")


def _planted(rng: random.Random, seed: int, pool: tuple[str, ...]) -> list[str]:
    """Which controls of ``pool`` fail: an odd count on even seeds, an even one on odd seeds."""
    counts = [n for n in range(2, min(len(pool), 5) + 1) if n % 2 != seed % 2]
    chosen = rng.sample(pool, rng.choice(counts))
    return [key for key in pool if key in chosen]  # in the file's order


# --- sshd_config ---------------------------------------------------------------------------


def _sshd(rng: random.Random, seed: int, facts: dict) -> tuple[str, list[str], dict]:
    planted = _planted(rng, seed, tuple(SSHD_CONTROLS))
    value = {}
    for key, (good, weak) in SSHD_CONTROLS.items():
        value[key] = rng.choice(weak if key in planted else good)
    # the trailing "hardening" block: keys set only there, and (shadowed) fixes of weak lines
    in_block = {key for key in SSHD_CONTROLS if key not in planted and rng.random() < 0.35}
    shadowed = [key for key in planted if rng.random() < 0.4]
    if planted and not shadowed and rng.random() < 0.5:
        shadowed = [rng.choice(planted)]
    variant = {"shadowed": shadowed, "in_block": sorted(in_block)}

    def line(key: str) -> str:
        return "" if key in in_block else f"{key} {value[key]}\n"

    port = facts["ssh_port"]
    text = (
        "\n# This is the sshd server system-wide configuration file.  See\n"
        "# sshd_config(5) for more information.\n\n"
        "# This sshd was compiled with PATH=/usr/bin:/bin:/usr/sbin:/sbin\n\n"
        "# The strategy used for options in the default sshd_config shipped with\n"
        "# OpenSSH is to specify options with their default value where\n"
        "# possible, but leave them commented.  Uncommented options override the\n"
        "# default value.\n\n"
        "Include /etc/ssh/sshd_config.d/*.conf\n\n"
        f"Port {port}\n"
        "#AddressFamily any\n"
        f"ListenAddress {facts['ip']}\n"
        "#ListenAddress ::\n\n"
        "#HostKey /etc/ssh/ssh_host_rsa_key\n"
        "#HostKey /etc/ssh/ssh_host_ecdsa_key\n"
        "#HostKey /etc/ssh/ssh_host_ed25519_key\n\n"
        "# Ciphers and keying\n"
        "#RekeyLimit default none\n\n"
        "# Logging\n"
        "SyslogFacility AUTH\n"
        "LogLevel VERBOSE\n\n"
        "# Authentication:\n\n"
        + line("LoginGraceTime")
        + "#PermitRootLogin prohibit-password\n"
        + line("PermitRootLogin")
        + "#StrictModes yes\n"
        + line("MaxAuthTries")
        + "MaxSessions 10\n\n"
        "PubkeyAuthentication yes\n\n"
        "# Expect .ssh/authorized_keys2 to be disregarded by default in future.\n"
        "#AuthorizedKeysFile\t.ssh/authorized_keys .ssh/authorized_keys2\n\n"
        "#AuthorizedPrincipalsFile none\n\n"
        "#AuthorizedKeysCommand none\n"
        "#AuthorizedKeysCommandUser nobody\n\n"
        "# For this to work you will also need host keys in /etc/ssh/ssh_known_hosts\n"
        "#HostbasedAuthentication no\n"
        "# Change to yes if you don't trust ~/.ssh/known_hosts for\n"
        "# HostbasedAuthentication\n"
        "#IgnoreUserKnownHosts no\n"
        "# Don't read the user's ~/.rhosts and ~/.shosts files\n"
        "#IgnoreRhosts yes\n\n"
        "# To disable tunneled clear text passwords, change to no here!\n"
        + line("PasswordAuthentication")
        + "#PermitEmptyPasswords no\n"
        + line("PermitEmptyPasswords")
        + "\n# Change to yes to enable challenge-response passwords (beware issues with\n"
        "# some PAM modules and threads)\n"
        "KbdInteractiveAuthentication no\n\n"
        "# Kerberos options\n"
        "#KerberosAuthentication no\n"
        "#KerberosOrLocalPasswd yes\n"
        "#KerberosTicketCleanup yes\n"
        "#KerberosGetAFSToken no\n\n"
        "# GSSAPI options\n"
        "#GSSAPIAuthentication no\n"
        "#GSSAPICleanupCredentials yes\n\n"
        "UsePAM yes\n\n"
        "#AllowAgentForwarding yes\n"
        f"AllowTcpForwarding {rng.choice(('no', 'local'))}\n"
        "#GatewayPorts no\n" + line("X11Forwarding") + "#X11DisplayOffset 10\n"
        "#X11UseLocalhost yes\n"
        "#PermitTTY yes\n"
        "PrintMotd no\n"
        "#PrintLastLog yes\n"
        "#TCPKeepAlive yes\n" + line("PermitUserEnvironment") + "#Compression delayed\n"
        f"ClientAliveInterval {rng.choice((120, 180, 300))}\n"
        f"ClientAliveCountMax {rng.choice((0, 2, 3))}\n"
        "#UseDNS no\n"
        "#PidFile /run/sshd.pid\n"
        "#MaxStartups 10:30:100\n"
        "#PermitTunnel no\n"
        "#ChrootDirectory none\n"
        "#VersionAddendum none\n\n"
        "# no default banner path\n"
        "Banner /etc/issue.net\n\n"
        "# Allow client to pass locale environment variables\n"
        "AcceptEnv LANG LC_*\n\n"
        "# override default of no subsystems\n"
        "Subsystem\tsftp\t/usr/lib/openssh/sftp-server\n\n"
        f"AllowGroups {facts['ssh_group']} sftponly\n"
    )
    block_keys = [k for k in SSHD_CONTROLS if k in in_block or k in shadowed]
    if block_keys:
        text += (
            f"\n# --- Hardening applied by {facts['vendor']}, {facts['build_date']:%d-%m-%Y} "
            f"(ticket {facts['ticket']}) ---\n"
        )
        for key in block_keys:
            good = value[key] if key in in_block else rng.choice(SSHD_CONTROLS[key][0])
            text += f"{key} {good}\n"
    text += (
        "\nMatch Group sftponly\n"
        "\tChrootDirectory /srv/sftp/%u\n"
        "\tForceCommand internal-sftp\n"
        "\tX11Forwarding no\n"
        "\tAllowTcpForwarding no\n"
        "\tPasswordAuthentication no\n"
    )
    return text, planted, variant


# --- sysctl.conf ---------------------------------------------------------------------------


def _sysctl(rng: random.Random, seed: int, facts: dict) -> tuple[str, list[str], dict]:
    planted = _planted(rng, seed, tuple(SYSCTL_CONTROLS))
    legacy: list[str] = []  # old build section (before the baseline: overridden by it)
    baseline: list[str] = []
    vendor: list[str] = []  # after the baseline: overrides it
    how: dict[str, str] = {}
    for key, (good, weak) in SYSCTL_CONTROLS.items():
        roll = rng.random()
        if key in planted:
            if roll < 0.45:
                how[key] = "baseline-weak"
                baseline.append(f"{key} = {weak}")
            elif roll < 0.8:
                how[key] = "overridden-later"
                baseline.append(f"{key} = {good}")
                vendor.append(f"{key}={weak}")
            else:
                how[key] = "legacy-only"
                legacy.append(f"{key} = {weak}")
        elif roll < 0.3:
            how[key] = "decoy-legacy-weak"
            legacy.append(f"{key} = {weak}")
            baseline.append(f"{key} = {good}")
        else:
            how[key] = "baseline"
            baseline.append(f"{key} = {good}")
    rng.shuffle(legacy)
    rng.shuffle(vendor)
    old_year = facts["build_date"].year - rng.randint(3, 6)
    text = (
        "#\n"
        "# /etc/sysctl.conf - Configuration file for setting system variables\n"
        "# See /etc/sysctl.d/ for additional system variables.\n"
        "# See sysctl.conf (5) for information.\n"
        "#\n\n"
        "#kernel.domainname = example.com\n\n"
        "# Uncomment the following to stop low-level messages on console\n"
        "#kernel.printk = 3 4 1 3\n\n"
        "###################################################################\n"
        "# Functions previously found in netbase\n"
        "#\n\n"
        "# Uncomment the next two lines to enable Spoof protection (reverse-path filter)\n"
        "# Turn on Source Address Verification in all interfaces to\n"
        "# prevent some spoofing attacks\n"
        "#net.ipv4.conf.default.rp_filter=1\n"
        "#net.ipv4.conf.all.rp_filter=1\n\n"
        "# Uncomment the next line to enable packet forwarding for IPv4\n"
        "#net.ipv4.ip_forward=1\n\n"
        "# Uncomment the next line to enable packet forwarding for IPv6\n"
        "#  Enabling this option disables Stateless Address Autoconfiguration\n"
        "#  based on Router Advertisements for this host\n"
        "#net.ipv6.conf.all.forwarding=1\n\n"
        "###################################################################\n"
        "# Additional settings - these settings can improve the network\n"
        "# security of the host and prevent against some network attacks\n"
        "# including spoofing attacks and man in the middle attacks through\n"
        "# redirection. Some network environments, however, require that these\n"
        "# settings are disabled so review and enable them as needed.\n"
        "#\n"
        "# Do not accept ICMP redirects (prevent MITM attacks)\n"
        "#net.ipv4.conf.all.accept_redirects = 0\n"
        "#net.ipv6.conf.all.accept_redirects = 0\n"
        "# Do not send ICMP redirects (we are not a router)\n"
        "#net.ipv4.conf.all.send_redirects = 0\n"
        "#\n"
        "# Do not accept IP source route packets (we are not a router)\n"
        "#net.ipv4.conf.all.accept_source_route = 0\n"
        "#net.ipv6.conf.all.accept_source_route = 0\n"
        "#\n"
        "# Log Martian Packets\n"
        "#net.ipv4.conf.all.log_martians = 1\n"
        "#\n\n"
        "###################################################################\n"
        "# Magic system request Key\n"
        "# 0=disable, 1=enable all, >1 bitmask of sysrq functions\n"
        "#kernel.sysrq=438\n\n"
    )
    if legacy:
        text += (
            f"### Carried over from the {old_year} server image (old build) ###\n"
            + "".join(f"{line}\n" for line in legacy)
            + "\n"
        )
    text += (
        f"### {facts['abbr'].upper()} Server Security Baseline (SSB-3) - kernel controls ###\n"
        + "".join(f"{line}\n" for line in baseline)
        + "net.ipv6.conf.all.accept_redirects = 0\n"
        + "kernel.kptr_restrict = 1\n\n"
        + f"### Application tuning - {facts['vendor']} ###\n"
        + f"vm.swappiness = {rng.choice((1, 10, 20, 30))}\n"
        + f"fs.file-max = {rng.choice((262144, 524288, 1048576, 2097152))}\n"
        + f"net.core.somaxconn = {rng.choice((1024, 4096, 8192, 65535))}\n"
        + f"net.ipv4.ip_local_port_range = {rng.choice((1024, 10000, 15000))} 65000\n"
        + f"net.ipv4.tcp_fin_timeout = {rng.choice((15, 20, 30))}\n"
    )
    if vendor:
        text += (
            f"# needed by the container runtime for the app stack ({facts['ticket']})\n"
            + "".join(f"{line}\n" for line in vendor)
        )
    return text, planted, how


# --- nginx.conf ----------------------------------------------------------------------------


def _nginx(rng: random.Random, seed: int, facts: dict) -> tuple[str, list[str], dict]:
    planted = _planted(rng, seed, NGINX_CONTROLS)
    how: dict[str, str] = {}
    good_ciphers = ":".join(rng.sample(GOOD_CIPHERS, rng.randint(4, 6)))

    # ssl_protocols: in http (Ubuntu's place), in the server, or both (the server's wins)
    http_protocols = server_protocols = None
    roll = rng.random()
    if "ssl_protocols" in planted:
        weak = rng.choice(WEAK_PROTOCOLS)
        if roll < 0.4:
            how["ssl_protocols"] = "http-default"
            http_protocols = UBUNTU_PROTOCOLS
        elif roll < 0.7:
            how["ssl_protocols"] = "http-weak"
            http_protocols = f"{weak};"
        else:
            how["ssl_protocols"] = "server-weak"
            http_protocols = rng.choice((None, "TLSv1.2 TLSv1.3;"))
            server_protocols = f"{weak};"
    elif roll < 0.4:
        how["ssl_protocols"] = "decoy-http-default"
        http_protocols, server_protocols = UBUNTU_PROTOCOLS, "TLSv1.2 TLSv1.3;"
    elif roll < 0.7:
        how["ssl_protocols"] = "http"
        http_protocols = "TLSv1.2 TLSv1.3;"
    else:
        how["ssl_protocols"] = "server"
        server_protocols = "TLSv1.2 TLSv1.3;"

    ciphers = good_ciphers
    if "ssl_ciphers" in planted:
        extra = list(rng.choice(WEAK_CIPHERS))
        parts = good_ciphers.split(":") + extra
        ciphers = ":".join(parts)
        how["ssl_ciphers"] = "+".join(extra)

    tickets: str | None = "off"
    if "ssl_session_tickets" in planted:
        tickets = rng.choice(("on", None))
        how["ssl_session_tickets"] = tickets or "missing"

    tokens_line = "server_tokens off;"
    if "server_tokens" in planted:
        tokens_line = rng.choice(("server_tokens on;", "# server_tokens off;"))
        how["server_tokens"] = tokens_line

    max_age = rng.choice((31536000, 63072000))
    subdomains = rng.choice(("", "; includeSubDomains"))
    hsts: str | None = (
        f'add_header Strict-Transport-Security "max-age={max_age}{subdomains}" always;'
    )
    if "add_header" in planted:
        if rng.random() < 0.5:
            hsts = f"# {hsts}  # disabled during migration, {facts['ticket']}"
            how["add_header"] = "commented"
        else:
            hsts = None
            how["add_header"] = "missing"

    listing = rng.choice(("", "\t\t\tautoindex off;\n"))
    if "autoindex" in planted:
        listing = "\t\t\tautoindex on;\n"
        how["autoindex"] = "on"

    name, svc, upstream = facts["server_name"], facts["service"], facts["upstream"]
    http_ssl = "\t##\n\t# SSL Settings\n\t##\n\n"
    if http_protocols:
        http_ssl += f"\tssl_protocols {http_protocols}\n"
    http_ssl += "\tssl_prefer_server_ciphers on;\n\n"
    server_ssl = (
        f"\t\tssl_certificate /etc/ssl/certs/{name}.crt;\n"
        f"\t\tssl_certificate_key /etc/ssl/private/{name}.key;\n"
        "\t\tssl_session_cache shared:SSL:10m;\n"
        f"\t\tssl_session_timeout {rng.choice(('1d', '4h', '10m'))};\n"
    )
    if tickets:
        server_ssl += f"\t\tssl_session_tickets {tickets};\n"
    if server_protocols:
        server_ssl += f"\t\tssl_protocols {server_protocols}\n"
    server_ssl += f"\t\tssl_ciphers {ciphers};\n\n"
    headers = []
    if hsts:
        headers.append(f"\t\t{hsts}\n")
    headers += [
        "\t\tadd_header X-Content-Type-Options nosniff always;\n",
        f"\t\tadd_header X-Frame-Options {rng.choice(('SAMEORIGIN', 'DENY'))} always;\n",
        '\t\tadd_header Referrer-Policy "strict-origin-when-cross-origin" always;\n',
    ]
    rng.shuffle(headers)
    text = (
        "user www-data;\n"
        "worker_processes auto;\n"
        "pid /run/nginx.pid;\n"
        "include /etc/nginx/modules-enabled/*.conf;\n\n"
        "events {\n"
        f"\tworker_connections {rng.choice((768, 1024, 2048))};\n"
        "\t# multi_accept on;\n"
        "}\n\n"
        "http {\n\n"
        "\t##\n\t# Basic Settings\n\t##\n\n"
        "\tsendfile on;\n"
        "\ttcp_nopush on;\n"
        "\ttypes_hash_max_size 2048;\n"
        f"\t{tokens_line}\n"
        f"\tclient_max_body_size {rng.choice(('10m', '20m', '25m', '50m'))};\n\n"
        "\t# server_names_hash_bucket_size 64;\n"
        "\t# server_name_in_redirect off;\n\n"
        "\tinclude /etc/nginx/mime.types;\n"
        "\tdefault_type application/octet-stream;\n\n"
        + http_ssl
        + "\t##\n\t# Logging Settings\n\t##\n\n"
        "\taccess_log /var/log/nginx/access.log;\n"
        "\terror_log /var/log/nginx/error.log;\n\n"
        "\t##\n\t# Gzip Settings\n\t##\n\n"
        "\tgzip on;\n"
        "\t# gzip_vary on;\n"
        "\t# gzip_proxied any;\n\n"
        f"\tupstream {svc}_app {{\n"
        f"\t\tserver {upstream};\n"
        "\t\tkeepalive 16;\n"
        "\t}\n\n"
        "\t# Plain HTTP: send everyone to HTTPS\n"
        "\tserver {\n"
        "\t\tlisten 80;\n"
        "\t\tlisten [::]:80;\n"
        f"\t\tserver_name {name};\n"
        "\t\treturn 301 https://$host$request_uri;\n"
        "\t}\n\n"
        f"\t# {facts['service_label']}\n"
        "\tserver {\n"
        "\t\tlisten 443 ssl http2;\n"
        "\t\tlisten [::]:443 ssl http2;\n"
        f"\t\tserver_name {name};\n\n" + server_ssl + "".join(headers) + "\n"
        f"\t\troot /var/www/{svc};\n"
        "\t\tindex index.html;\n"
        f"\t\taccess_log /var/log/nginx/{svc}.access.log;\n\n"
        "\t\tlocation / {\n"
        f"\t\t\tproxy_pass http://{svc}_app;\n"
        "\t\t\tproxy_set_header Host $host;\n"
        "\t\t\tproxy_set_header X-Real-IP $remote_addr;\n"
        "\t\t\tproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "\t\t\tproxy_set_header X-Forwarded-Proto $scheme;\n"
        "\t\t}\n\n"
        f"\t\tlocation /{facts['share']}/ {{\n"
        f"\t\t\talias /srv/{facts['share']}/;\n" + listing + "\t\t}\n\n"
        "\t\tlocation /static/ {\n"
        f"\t\t\texpires {rng.choice(('7d', '30d', '1d'))};\n"
        "\t\t}\n\n"
        "\t\tlocation = /nginx_status {\n"
        "\t\t\tstub_status;\n"
        "\t\t\tallow 127.0.0.1;\n"
        "\t\t\tdeny all;\n"
        "\t\t}\n"
        "\t}\n"
        "}\n"
    )
    return text, planted, how


# --- README.txt ----------------------------------------------------------------------------


def _readme(facts: dict) -> str:
    return f"""{facts["ministry"].upper()}
IT Wing - server build hand-over note
=====================================

Host:          {facts["host"]} ({facts["service_label"]})
Address:       {facts["ip"]} (internal), published as https://{facts["server_name"]}/ on {facts["public_ip"]}
OS / software: Ubuntu 22.04.4 LTS, OpenSSH 8.9p1, nginx 1.18.0
Built by:      {facts["builder"]}, {facts["vendor"]} (contractor)
Ticket:        {facts["ticket"]}, handed over {facts["build_date"]:%d-%m-%Y}
Reviewer:      IT Wing security cell (you)
Attached:      sshd_config  (/etc/ssh/sshd_config)
               sysctl.conf  (/etc/sysctl.conf)
               nginx.conf   (/etc/nginx/nginx.conf; the site is configured in this file)

The server must not go live until every control of the baseline below is met. Record each
setting that fails, then return corrected files to the contractor.


SERVER SECURITY BASELINE (SSB-3), {facts["abbr"].upper()} IT Wing, in line with the NTISB
information security guidelines
-----------------------------------------------------------------------------------------

General rules
  G1  A control is met only by the value that actually takes effect when the program reads
      its file. Commented lines (#) do not count.
  G2  Set every control below explicitly in the file; do not rely on built-in defaults,
      except where a control says "off is the default".
  G3  Do not remove or change anything the baseline does not cover (ports, addresses,
      names, paths, tuning): other teams depend on them.

A. OpenSSH server - /etc/ssh/sshd_config
  S1  PermitRootLogin          no
  S2  PasswordAuthentication   no           (key-based logins only)
  S3  PermitEmptyPasswords     no
  S4  MaxAuthTries             4 or fewer
  S5  LoginGraceTime           60 seconds or less
  S6  X11Forwarding            no
  S7  PermitUserEnvironment    no
      Keep: Port {facts["ssh_port"]} (the firewall allows only this port), AllowGroups, Subsystem.

B. Kernel network and memory settings - /etc/sysctl.conf
  K1  net.ipv4.ip_forward                     = 0   (this server is not a router)
  K2  net.ipv4.conf.all.accept_redirects      = 0
  K3  net.ipv4.conf.all.send_redirects        = 0
  K4  net.ipv4.conf.all.accept_source_route   = 0
  K5  net.ipv4.conf.all.rp_filter             = 1   (strict reverse-path filter)
  K6  net.ipv4.conf.all.log_martians          = 1
  K7  net.ipv4.tcp_syncookies                 = 1
  K8  kernel.randomize_va_space               = 2   (full ASLR)
      Keep: the application tuning values (vm.swappiness, fs.file-max, net.core.somaxconn).

C. Web server - /etc/nginx/nginx.conf (the HTTPS site, the server block listening with ssl)
  W1  ssl_protocols        TLSv1.2 and TLSv1.3 only (no SSLv2, SSLv3, TLSv1 or TLSv1.1)
  W2  ssl_ciphers          no suite containing RC4, DES (including 3DES / DES-CBC3), NULL,
                           EXP (export grade) or MD5
  W3  ssl_session_tickets  off
  W4  server_tokens        off (do not reveal the nginx version)
  W5  HSTS                 add_header Strict-Transport-Security "max-age=31536000" always;
                           (one year or more) on the HTTPS site
  W6  autoindex            no directory listings anywhere on the site (off is the default)
      Keep: listen, server_name, ssl_certificate, ssl_certificate_key, root.

After changes: sshd -t, sysctl -p, nginx -t, then reload the services. Report the review
to the IT Wing security cell; findings are tracked in the ticket above.
"""


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    ministry, abbr = rng.choice(MINISTRIES)
    abbr = abbr.lower()
    service, label = rng.choice(SERVICES)
    build_date = date(2026, 1, 1) + timedelta(days=rng.randint(20, 140))
    builder = rng.choice(PEOPLE)
    facts = {
        "ministry": ministry,
        "abbr": abbr,
        "service": service,
        "service_label": label[0].upper() + label[1:],
        "host": f"{abbr}-{service}-{rng.choice(('web', 'app', 'srv'))}{rng.randint(1, 9):02d}",
        "server_name": f"{service}.{abbr}.example",
        "ip": f"10.{rng.randint(10, 250)}.{rng.randint(0, 255)}.{rng.randint(10, 250)}",
        "public_ip": f"{rng.choice(PUBLIC_NETS)}.{rng.randint(10, 250)}",
        "upstream": f"127.0.0.1:{rng.choice((8000, 8080, 8081, 8443, 9000))}",
        "ssh_port": rng.choice((22, 2222, rng.randint(2200, 2299), rng.randint(40000, 49999))),
        "ssh_group": rng.choice(ADMIN_GROUPS),
        "vendor": rng.choice(VENDORS),
        "builder": builder,
        "ticket": f"IT-{build_date.year}-{rng.randint(1000, 9999)}",
        "build_date": build_date,
        "share": rng.choice(("circulars", "downloads", "notifications", "forms", "archive")),
    }
    sshd, sshd_planted, sshd_how = _sshd(rng, seed, facts)
    sysctl, sysctl_planted, sysctl_how = _sysctl(rng, seed, facts)
    nginx, nginx_planted, nginx_how = _nginx(rng, seed, facts)
    return Case(
        files={
            "sshd_config": sshd,
            "sysctl.conf": sysctl,
            "nginx.conf": nginx,
            "README.txt": _readme(facts),
        },
        answers={
            "sshd-findings": sshd_planted,
            "sysctl-findings": sysctl_planted,
            "nginx-findings": nginx_planted,
            "sshd-fix": [dict(r) for r in SSHD_REQUIREMENTS],
            "sysctl-fix": [dict(r) for r in SYSCTL_REQUIREMENTS],
            "nginx-fix": [dict(r) for r in NGINX_REQUIREMENTS],
        },
        notes={
            "planted": {
                "sshd_config": sshd_planted,
                "sysctl.conf": sysctl_planted,
                "nginx.conf": nginx_planted,
            },
            "how": {"sshd_config": sshd_how, "sysctl.conf": sysctl_how, "nginx.conf": nginx_how},
            "host": facts["host"],
            "server_name": facts["server_name"],
            "ssh_port": facts["ssh_port"],
        },
    )
