"""The configuration checkers accept what the real tools accept and name what is wrong."""

import pytest

from hifazat.lib import configcheck as cc

pytestmark = pytest.mark.smoke

RSA_2048 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx5gory7YzhkjVHFNGkxsBpUwfZHY/XjdKxvix7C7VnbaSU9o/62g77TPiAlLd51v01pMVOU8/BgQGmaMlM2aX/3rRbUaWM6ZLVl5J7SCP6JN4r970w0rINvuzCHo6Ol8exWd7CZDjZyiS5CFCiYCAtXHz+cBvqR3vJbYW+Fz2UfE3MszcykODOgXYMMVnXUJllS7agp4YoquSka1aCUJoZviwirgsZsQSYw4G2VD0miphdpYXNimszPvWc+Hxt45bLCMrdh1uRmWyAsiO8B9Z0pwI8M7QMZh8q7sWvgKtsgiQ29L0jWJ8CkJZM2qPjWfgWNDZ1ZATtX3mpXz+d3e9QIDAQAB"


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 -all",
        "v=spf1 mx ip4:192.0.2.10 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all",
        "v=spf1 include:_spf.example.net a:mail.example.gov.pk ~all",
        "v=spf1 redirect=_spf.example.gov.pk",
        "v=spf1 exists:%{i}._ip.example.gov.pk -all",
    ],
)
def test_valid_spf(record):
    assert cc.check_spf(record) == []


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        ("v=spf2 -all", "starts with exactly 'v=spf1'"),
        ("v=spf1 ip4:192.0.2.300 -all", "not an IP4 address"),
        ("v=spf1 ip4:2001:db8::1 -all", "IPv6 address under ip4"),
        ("v=spf1 -all mx", "after 'all'"),
        ("v=spf1 inclde:example.net -all", "unknown mechanism 'inclde'"),
        (
            "v=spf1 " + " ".join(f"include:s{i}.example.net" for i in range(11)) + " -all",
            "11 DNS lookups",
        ),
        ("v=spf1 include: -all", "include needs a domain"),
    ],
)
def test_invalid_spf(record, fragment):
    assert any(fragment in p for p in cc.check_spf(record)), cc.check_spf(record)


def test_dmarc():
    assert (
        cc.check_dmarc("v=DMARC1; p=reject; rua=mailto:dmarc@example.gov.pk; adkim=s; aspf=s")
        == []
    )
    assert (
        cc.check_dmarc(
            "v=DMARC1; p=quarantine; pct=25; sp=reject; fo=1; ruf=mailto:f@example.gov.pk!10m;"
        )
        == []
    )
    assert any(
        "'p' is required" in p for p in cc.check_dmarc("v=DMARC1; rua=mailto:a@example.gov.pk")
    )
    assert any("p=block" in p for p in cc.check_dmarc("v=DMARC1; p=block"))
    assert any("pct=150" in p for p in cc.check_dmarc("v=DMARC1; p=none; pct=150"))
    assert any("starts with 'v=DMARC1'" in p for p in cc.check_dmarc("p=none; v=DMARC1"))
    assert any(
        "rua=dmarc@example" in p
        for p in cc.check_dmarc("v=DMARC1; p=none; rua=dmarc@example.gov.pk")
    )
    assert any(
        "unknown tag 'policy'" in p for p in cc.check_dmarc("v=DMARC1; p=none; policy=reject")
    )


def test_dkim_key_record_must_hold_a_real_key():
    assert cc.check_dkim_key(f"v=DKIM1; k=rsa; p={RSA_2048}") == []
    assert cc.check_dkim_key("v=DKIM1; p=") == []  # revoked
    assert any("not base64" in p for p in cc.check_dkim_key("v=DKIM1; k=rsa; p=MIIB...AQAB"))
    assert any(
        "not an RSA public key" in p for p in cc.check_dkim_key("v=DKIM1; k=rsa; p=QUJDRA==")
    )
    assert any("key type" in p for p in cc.check_dkim_key(f"v=DKIM1; k=dsa; p={RSA_2048}"))


def test_dns_block_names_the_line():
    text = "\n".join(
        [
            "; the ministry's records",
            'example.gov.pk. 3600 IN TXT "v=spf1 mx -all"',
            '_dmarc.example.gov.pk. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.gov.pk"',
            f'sel1._domainkey.example.gov.pk. IN TXT "v=DKIM1; k=rsa; " "p={RSA_2048[:200]}" "{RSA_2048[200:]}"',
            "nomail.example.gov.pk. IN MX 0 .",
        ]
    )
    assert cc.check_dns_records(text) == []
    broken = (
        text
        + '\nexample.gov.pk. IN TXT "v=spf1 a -all"\n_dmarc.example.gov.pk. IN TXT "v=DMARC1; p=maybe"'
    )
    problems = [str(p) for p in cc.check_dns_records(broken)]
    assert any(p.startswith("line 6:") and "second SPF record" in p for p in problems), problems
    assert any(p.startswith("line 7:") and "p=maybe" in p for p in problems), problems
    assert [str(p) for p in cc.check_dns_records('www.example.gov.pk. IN TXT "hello"')] == [
        "line 1: not an SPF, DMARC or DKIM record (or the DMARC/DKIM name is wrong)"
    ]


def test_sysctl_keys_must_exist():
    good = "# hardening\nnet.ipv4.conf.all.accept_redirects = 0\nkernel.kptr_restrict = 2\nnet.ipv4.tcp_syncookies=1\n"
    assert cc.check_sysctl(good) == []
    problems = [
        str(p)
        for p in cc.check_sysctl("net.ipv4.conf.all.accept_redirect = 0\nkernel.kptr_restrict\n")
    ]
    assert problems == [
        "line 1: no such sysctl key 'net.ipv4.conf.all.accept_redirect'",
        "line 2: expected 'key = value'",
    ]


def test_audit_rules():
    good = "\n".join(
        [
            "-D",
            "-b 8192",
            "-f 1",
            "-w /etc/passwd -p wa -k identity",
            "-w /etc/sudoers.d/ -p wa -k actions",
            "-a always,exit -F arch=b64 -S execve -F euid=0 -F auid>=1000 -F auid!=unset -k root_cmds",
            "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change",
            "-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k modules",
            "-e 2",
        ]
    )
    assert cc.check_audit_rules(good) == []
    bad = "-w etc/passwd -p wa -k identity\n-w /etc/shadow -p rwz -k x\n-a always,exit -S execve -k e\n-a always,exit -F arch=b64 -S exceve -k e\n-e 3\n-x foo"
    problems = [str(p) for p in cc.check_audit_rules(bad)]
    assert problems == [
        "line 1: a watch (-w) needs an absolute path",
        "line 2: -p takes permissions from r, w, x, a, not 'rwz'",
        "line 3: a syscall rule names the architecture (-F arch=b64) before -S",
        "line 4: 'exceve' is not a system call on x86_64",
        "line 5: -e is 0, 1 or 2",
        "line 6: '-x' is not an audit rule option",
    ]


def test_crontab():
    good = "MAILTO=it@example.gov.pk\n30 1 * * * /usr/bin/pg_dump -Fc -f /backup/db-$(date +\\%F).dump hifazat\n0 3 * * sun /usr/local/bin/full-backup\n@daily /usr/local/bin/check\n*/15 8-17 * * 1-5 /usr/bin/true\n"
    assert cc.check_crontab(good) == [], cc.check_crontab(good)
    problems = [
        str(p)
        for p in cc.check_crontab(
            "30 1 * * * pg_dump -f db-$(date +%F).dump\n61 1 * * * x\n0 0 * *\n"
        )
    ]
    assert problems == [
        "line 1: an unescaped % in a crontab command ends the line: write \\%",
        "line 2: '61' is not a valid minute",
        "line 3: five time fields, then the command",
    ]


def test_audit_syscalls_are_checked_per_architecture():
    assert cc.check_audit_rules("-a always,exit -F arch=b32 -S stime,settimeofday -k time") == []
    assert [
        str(p) for p in cc.check_audit_rules("-a always,exit -F arch=b64 -S stime -k time")
    ] == ["line 1: 'stime' is not a system call on x86_64"]
