"""Case generator for the "Windows persistence hunt" lab.

A division's Windows Server file server (a domain member) forwards its Security and System event
logs to a Windows Event Collector; the IT wing exported three days of both from the collector,
which still holds the events the attacker later wiped from the server itself.

Noise: staff opening shares (Kerberos type 3 logons and logoffs), a monitoring account, services
(type 5) and SYSTEM privileges, administrators on RDP, a nightly backup job (type 4), a few
typos, a laptop with a stale password failing every few minutes, internet scanners guessing
``administrator``, Windows' own scheduled-task updates and benign service installs (Defender's
driver under C:\\ProgramData, a backup agent). The attack: a burst of 4625 against one account
from one address, a 4624 (type 10 or 3, NTLM) with 4672, then in a per-seed order a new local
account (4720/4722/4724/4738) added to a group (4732), a service (7045) and a scheduled task
(4698), and finally 1102 (the Security log cleared).

Consecutive seeds never share an answer: the seed's parity picks the attacker's last octet, the
pools of names (compromised account, new account, service, task), the group, the order of the
steps and the day of the month of the break-in (always at night, so different days are hours
apart).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import random
from datetime import date, datetime, timedelta, timezone

from hifazat.labs.case import Case

PKT = timezone(timedelta(hours=5))
DAY = 86400
HOUR = 3600
MINUTE = 60

DIVISIONS = (
    ("Establishment Division", "ESTAB"),
    ("Finance Division", "FINDIV"),
    ("Cabinet Division", "CABDIV"),
    ("Interior Division", "INTDIV"),
    ("Planning Division", "PLANDIV"),
    ("Communications Division", "COMMDIV"),
    ("Law and Justice Division", "LAWDIV"),
    ("Industries Division", "INDDIV"),
)
STAFF = (
    "ayesha.khan", "bilal.ahmed", "farah.naz", "hamza.qureshi", "hina.baig", "imran.malik",
    "javeria.aslam", "kamran.shah", "maryam.iqbal", "nadeem.akhtar", "nida.hussain",
    "omer.farooq", "rabia.anwar", "saad.rehman", "sana.javed", "shahid.mehmood", "sobia.riaz",
    "tahira.bano", "usman.ghani", "waqar.yousaf", "zainab.ali", "zeeshan.haider", "asma.noor",
    "faisal.butt", "mehreen.saeed", "naveed.abbasi", "qurat.ulain", "rizwan.siddiqui",
)  # fmt: skip
ADMINS = ("adm.tariq", "adm.saima", "adm.kashif", "adm.mehwish", "adm.arslan", "adm.lubna")
# the account broken into (an IT account with admin rights on the server)
COMPROMISED = (
    ("it.support", "adm.rizwan", "svc_scan", "helpdesk.fs", "adm.nasir", "ict.ops"),  # even
    ("itsupport2", "adm.ghazala", "svc_deploy", "fs.admin", "adm.junaid", "nocadmin"),  # odd
)
CREATED = (
    ("svc_update", "helpdesk2", "winrm_svc", "backup_svc", "scanuser", "print_svc"),
    ("sqlsvc", "it_temp", "sys_maint", "defender_svc", "wsus_svc", "audit_svc"),
)
GROUPS = ("Administrators", "Backup Operators")  # by parity
SERVICES = (
    ("WinUpdateHelper", "MsCacheSvc", "SysHealthMon", "WmiProviderHost", "NetCfgAgent"),
    ("WinDefendHelper", "TimeSyncSvc", "PerfLogAgent", "SpoolerExt", "DiagTrackHelper"),
)
SERVICE_DIRS = (
    r"Microsoft\Crypto\Keys", r"Microsoft\Network\Connections", r"Package Cache\Updates",
    r"Drivers\Cache", r"Microsoft\DRM\Cache", r"USOShared\Logs", r"Runtime\Cache",
)  # fmt: skip
SERVICE_EXES = (
    ("svc.exe", "svchelper.exe", "wuhost.exe"),
    ("svchost32.exe", "msupd.exe", "rtsvc.exe"),
)
TASKS = (
    (r"\Microsoft\Windows\Maintenance\SysCleanup", r"\WindowsUpdateCheck",
     r"\Microsoft\Windows\Defrag\DiskOptimize", r"\UpdaterTaskMachineCore"),
    (r"\Microsoft\Windows\Servicing\ComponentCheck", r"\CloudSyncHelper",
     r"\Microsoft\Windows\Time Sync\TimeSyncCheck", r"\SyncHelperTask"),
)  # fmt: skip
STEPS = (
    "password-guessing",
    "logon",
    "account-created",
    "added-to-group",
    "service-installed",
    "task-created",
    "log-cleared",
)
SHARE_GROUPS = ("FS-Accounts-RW", "FS-Admin-RO", "FS-Budget-RW", "FS-Records-RW", "FS-Legal-RO")
WINDOWS_TASKS = (
    r"\Microsoft\Windows\UpdateOrchestrator\Schedule Scan",
    r"\Microsoft\Windows\UpdateOrchestrator\Schedule Scan Static Task",
    r"\Microsoft\Windows\WindowsUpdate\Scheduled Start",
    r"\Microsoft\Windows\Windows Defender\Windows Defender Scheduled Scan",
    r"\Microsoft\Windows\SoftwareProtectionPlatform\SvcRestartTask",
)
ROUTINE_SERVICES = (
    ("Windows Modules Installer", "TrustedInstaller"),
    ("Windows Update", "wuauserv"),
    ("Background Intelligent Transfer Service", "BITS"),
    ("WinHTTP Web Proxy Auto-Discovery Service", "WinHttpAutoProxySvc"),
    ("Software Protection", "sppsvc"),
    ("Windows Error Reporting Service", "WerSvc"),
    ("Device Setup Manager", "DsmSvc"),
    ("Microsoft Defender Antivirus Service", "WinDefend"),
    ("Update Orchestrator Service", "UsoSvc"),
    ("Windows Installer", "msiserver"),
)
SCANNER_NAMES = (
    "administrator",
    "admin",
    "user",
    "test",
    "guest",
    "scanner",
    "backup",
    "Administrator",
)
COLUMNS = (
    "TimeCreated", "Id", "Keywords", "Computer", "SubjectUserName", "SubjectDomainName",
    "TargetUserName", "TargetDomainName", "LogonId", "LogonType", "AuthenticationPackage",
    "WorkstationName", "IpAddress", "IpPort", "Status", "SubStatus", "MemberName", "GroupName",
    "TaskName", "Message",
)  # fmt: skip
MESSAGES = {
    4624: "An account was successfully logged on.",
    4625: "An account failed to log on.",
    4634: "An account was logged off.",
    4647: "User initiated logoff:",
    4672: "Special privileges assigned to new logon.",
    4720: "A user account was created.",
    4722: "A user account was enabled.",
    4724: "An attempt was made to reset an account's password.",
    4738: "A user account was changed.",
    4732: "A member was added to a security-enabled local group.",
    4698: "A scheduled task was created.",
    4702: "A scheduled task was updated.",
    1102: "The audit log was cleared.",
}
WELL_KNOWN = {"SYSTEM": "0x3E7", "NETWORK SERVICE": "0x3E4", "LOCAL SERVICE": "0x3E5"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class _Security:
    def __init__(self, computer: str, host: str, domain: str, rng: random.Random) -> None:
        self.rows: list[tuple[int, int, dict]] = []
        self.computer, self.host, self.domain, self.rng = computer, host, domain, rng

    def logon_id(self) -> str:
        return f"0x{self.rng.randint(0x100000, 0x3FFFFFF):X}"

    def add(self, t: int, event_id: int, **fields) -> None:
        row = {"Id": str(event_id), "Computer": self.computer}
        row["Keywords"] = "Audit Failure" if event_id == 4625 else "Audit Success"
        row["Message"] = MESSAGES[event_id]
        row.update(fields)
        self.rows.append((t, len(self.rows), row))

    def logon(
        self, t: int, user: str, domain: str, kind: int, ip: str = "-", ws: str = "-",
        package: str = "Kerberos", privileged: bool = False, length: int | None = None,
    ) -> str:  # fmt: skip
        """4624 (+4672) and, after ``length`` seconds, the logoff; returns the logon id."""
        lid = WELL_KNOWN.get(user) or self.logon_id()
        port = str(self.rng.randint(49152, 65535)) if ip not in ("-", "127.0.0.1") else "0"
        self.add(
            t, 4624, SubjectUserName=f"{self.host}$" if kind in (2, 10, 4, 5, 7) else "-",
            SubjectDomainName=self.domain if kind in (2, 10, 4, 5, 7) else "-",
            TargetUserName=user, TargetDomainName=domain, LogonId=lid, LogonType=str(kind),
            AuthenticationPackage=package, WorkstationName=ws, IpAddress=ip, IpPort=port,
        )  # fmt: skip
        if privileged:
            self.add(
                t, 4672, SubjectUserName=user, SubjectDomainName=domain, LogonId=lid
            )  # fmt: skip
        if length is not None:
            end = t + length
            if kind in (2, 10):
                self.add(end, 4647, TargetUserName=user, TargetDomainName=domain, LogonId=lid)
                end += self.rng.randint(0, 3)
            self.add(
                end, 4634, TargetUserName=user, TargetDomainName=domain, LogonId=lid,
                LogonType=str(kind),
            )  # fmt: skip
        return lid

    def failure(
        self, t: int, user: str, domain: str, kind: int, ip: str, ws: str, sub: str,
        package: str = "NTLM",
    ) -> None:  # fmt: skip
        self.add(
            t, 4625, SubjectUserName="-", SubjectDomainName="-", TargetUserName=user,
            TargetDomainName=domain, LogonId="0x0", LogonType=str(kind),
            AuthenticationPackage=package, WorkstationName=ws, IpAddress=ip,
            IpPort=str(self.rng.randint(49152, 65535)), Status="0xC000006D", SubStatus=sub,
        )  # fmt: skip


def _stamp(first: date, t: int) -> str:
    d = first + timedelta(days=t // DAY)
    s = t % DAY
    return f"{d.isoformat()} {s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % 60:02d}"


def _iso(first: date, t: int, ticks: int) -> str:
    return _stamp(first, t).replace(" ", "T") + f".{ticks:07d}+05:00"


def _ws(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.randint(100, 999)}"


def _random_name(rng: random.Random) -> str:
    return "WIN-" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(11))


def _orders() -> list[tuple[str, ...]]:
    """Every order of the middle four steps with the account created before its group change."""
    middle = ("account-created", "added-to-group", "service-installed", "task-created")
    orders = []
    for p in itertools.permutations(middle):
        if p.index("account-created") < p.index("added-to-group"):
            orders.append(("password-guessing", "logon", *p, "log-cleared"))
    return sorted(orders)


ORDERS = _orders()


def generate(seed: int) -> Case:  # noqa: C901 - one scenario, told in order
    rng = random.Random(seed)
    parity = seed % 2

    # --- the server, the office, the people ------------------------------------------------
    division, netbios = rng.choice(DIVISIONS)
    dns = f"{netbios.lower()}.example"
    host = f"FS-{netbios[:4]}-{rng.randint(1, 9):02d}"
    computer = f"{host}.{dns}"
    office = f"10.{rng.randint(10, 200)}.{rng.randint(0, 254)}"
    it_net = f"10.{rng.randint(201, 250)}.{rng.randint(0, 254)}"
    staff = rng.sample(STAFF, rng.randint(12, 18))
    hosts = rng.sample(range(20, 240), len(staff) + 2)
    staff_ip = {s: f"{office}.{h}" for s, h in zip(staff, hosts, strict=False)}
    staff_ws = {s: _ws(rng, f"{netbios[:4]}-PC") for s in staff}
    admins = rng.sample(ADMINS, rng.randint(2, 3))
    admin_hosts = rng.sample(range(10, 60), len(admins) + 3)
    admin_ip = {a: f"{it_net}.{h}" for a, h in zip(admins, admin_hosts, strict=False)}
    admin_ws = {a: _ws(rng, "IT-PC") for a in admins}
    monitor_ip = f"{it_net}.{admin_hosts[-1]}"
    backup_ip = f"{it_net}.{admin_hosts[-2]}"
    compromised = rng.choice(COMPROMISED[parity])
    admin_ip[compromised] = f"{it_net}.{admin_hosts[-3]}"
    admin_ws[compromised] = _ws(rng, "IT-PC")
    created = rng.choice(CREATED[parity])
    group = GROUPS[parity]
    service = rng.choice(SERVICES[parity])
    service_path = (
        "C:\\ProgramData\\" + rng.choice(SERVICE_DIRS) + "\\" + rng.choice(SERVICE_EXES[parity])
    )
    task = rng.choice(TASKS[parity])
    order = rng.choice(ORDERS[parity::2])

    # the attacker's address: an internet test net or another office subnet; last octet parity
    if rng.random() < 0.6:
        net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        attacker_ws = rng.choice(
            (_random_name(rng), "-", "kali", "DESKTOP-" + _random_name(rng)[4:11])
        )
    else:
        net = f"10.{rng.randint(10, 250)}.{rng.randint(0, 254)}"
        while net in (office, it_net):
            net = f"10.{rng.randint(10, 250)}.{rng.randint(0, 254)}"
        attacker_ws = _ws(rng, f"{netbios[:4]}-PC")
    attacker_ip = f"{net}.{rng.randrange(2 + parity, 254, 2)}"

    # three days; the break-in at night, on a day of the month with the seed's parity
    candidates = []
    for month in (2, 3, 4, 5):
        for day in range(1, 27):
            first = date(2026, month, day)
            if first.weekday() in (0, 1):  # Monday or Tuesday: three working days
                for night in (1, 2):
                    if (first + timedelta(days=night)).day % 2 == parity:
                        candidates.append((first, night))
    first, night = rng.choice(candidates)
    end = 2 * DAY + rng.randint(16 * HOUR, 18 * HOUR)  # when the IT wing exported the logs

    sec = _Security(computer, host, netbios, rng)
    system: list[tuple[int, int, dict]] = []

    def sys_event(
        t: int, event_id: int, provider: str, message: str, level="Information", **extra
    ):
        obj = {
            "TimeCreated": None,
            "Id": event_id,
            "LevelDisplayName": level,
            "ProviderName": provider,
            "MachineName": computer,
            "Message": message,
            **extra,
        }
        system.append((t, len(system), obj))

    def service_state(t: int, display: str, running: bool) -> None:
        state = "running" if running else "stopped"
        sys_event(
            t, 7036, "Service Control Manager",
            f"The {display} service entered the {state} state.",
        )  # fmt: skip

    # --- boot-time services and SYSTEM's service logons --------------------------------------
    for d in range(3):
        for _ in range(rng.randint(6, 12)):
            t = d * DAY + rng.randint(0, DAY - 1)
            user = rng.choice(("SYSTEM", "SYSTEM", "NETWORK SERVICE", "LOCAL SERVICE"))
            sec.logon(t, user, "NT AUTHORITY", 5, privileged=True)
        # uptime, routine service starts and stops
        sys_event(
            d * DAY + 12 * HOUR, 6013, "EventLog",
            f"The system uptime is {rng.randint(400_000, 3_000_000) + d * DAY} seconds.",
        )  # fmt: skip
        for _ in range(rng.randint(30, 50)):
            t = d * DAY + rng.randint(0, DAY - 120)
            display, _name = rng.choice(ROUTINE_SERVICES)
            service_state(t, display, True)
            service_state(t + rng.randint(20, 600), display, False)
        t = d * DAY + rng.randint(2 * HOUR, 4 * HOUR)
        sys_event(
            t, 7040, "Service Control Manager",
            "The start type of the Background Intelligent Transfer Service service was changed "
            "from auto start to demand start.",
        )  # fmt: skip
        for _ in range(rng.randint(1, 4)):
            sys_event(
                d * DAY + rng.randint(0, DAY - 1), 1014, "Microsoft-Windows-DNS-Client",
                f"Name resolution for the name wpad.{dns} timed out after none of the configured "
                "DNS servers responded.", level="Warning",
            )  # fmt: skip
        # Windows updating its own scheduled tasks
        for _ in range(rng.randint(2, 5)):
            sec.add(
                d * DAY + rng.randint(0, DAY - 1), 4702, SubjectUserName=f"{host}$",
                SubjectDomainName=netbios, LogonId="0x3E7", TaskName=rng.choice(WINDOWS_TASKS),
            )  # fmt: skip

    # Defender's kernel driver: a benign 7045 under C:\ProgramData every day or so
    for d in range(3):
        if rng.random() < 0.8:
            guid = "{" + "-".join(rng.randbytes(n).hex().upper() for n in (4, 2, 2, 2, 6)) + "}"
            name = "MpKslDrv" if rng.random() < 0.5 else f"MpKsl{rng.randbytes(4).hex()}"
            sys_event(
                d * DAY + rng.randint(HOUR, 23 * HOUR), 7045, "Service Control Manager",
                "A service was installed in the system.\r\n\r\n"
                f"Service Name:  {name}\r\n"
                "Service File Name:  \\??\\C:\\ProgramData\\Microsoft\\Windows Defender\\"
                f"Definition Updates\\{guid}\\MpKslDrv.sys\r\n"
                "Service Type:  kernel mode driver\r\nService Start Type:  manual start\r\n"
                "Service Account:  ",
            )  # fmt: skip

    # --- staff opening shares during office hours ---------------------------------------------
    for d in range(3):
        for s in staff:
            if rng.random() < 0.1:
                continue  # on leave
            t = d * DAY + rng.randint(8 * HOUR + 45 * MINUTE, 10 * HOUR)
            while t < d * DAY + 17 * HOUR:
                length = rng.randint(20, 40 * MINUTE)
                if d == 2 and t > end:
                    break
                sec.logon(t, s, netbios, 3, ip=staff_ip[s], ws="-", length=length)
                t += length + rng.randint(5 * MINUTE, 70 * MINUTE)
    # typos: one wrong password, then the right one from the same computer
    for _ in range(rng.randint(3, 6)):
        s = rng.choice(staff)
        t = rng.randrange(3) * DAY + rng.randint(9 * HOUR, 16 * HOUR)
        sec.failure(t, s, netbios, 3, staff_ip[s], staff_ws[s], "0xC000006A")
        sec.logon(
            t + rng.randint(4, 20), s, netbios, 3, ip=staff_ip[s], ws=staff_ws[s],
            package="NTLM", length=rng.randint(60, 30 * MINUTE),
        )  # fmt: skip
    # a laptop with an old password, retrying every few minutes (no success from it)
    stale = rng.choice(staff)
    stale_ip = f"{office}.{hosts[-1]}"
    stale_ws = f"LAPTOP-{_random_name(rng)[4:11]}"
    t = rng.randrange(3) * DAY + rng.randint(9 * HOUR, 11 * HOUR)
    for _ in range(rng.randint(15, 40)):
        sec.failure(t, stale, netbios, 3, stale_ip, stale_ws, "0xC000006A")
        t += rng.randint(2 * MINUTE, 9 * MINUTE)
    # the monitoring account every ten minutes, the nightly backup job
    monitor = rng.choice(("svc_monitor", "svc_nms", "svc_prtg"))
    for t in range(rng.randint(0, 599), end, 600):
        sec.logon(t, monitor, netbios, 3, ip=monitor_ip, package="NTLM", length=rng.randint(1, 4))
    backup = rng.choice(("svc_backup", "svc_robocopy", "svc_archive"))
    for d in range(3):
        t = d * DAY + HOUR + rng.randint(0, 120)
        sec.logon(t, backup, netbios, 4, privileged=True, length=rng.randint(20, 50) * MINUTE)
        sec.logon(t + 30, backup, netbios, 3, ip=backup_ip, length=rng.randint(10, 40) * MINUTE)

    # --- administrators on RDP, the compromised IT account used normally --------------------
    legit_added = False
    for d in range(3):
        for a in [*admins, compromised]:
            if a == compromised and rng.random() < 0.4:
                continue
            ip, ws = admin_ip[a], admin_ws[a]
            t = d * DAY + rng.randint(9 * HOUR + 30 * MINUTE, 15 * HOUR)
            if d == 2 and t + 2 * HOUR > end:
                continue
            length = rng.randint(10 * MINUTE, 90 * MINUTE)
            lid = sec.logon(
                t, a, netbios, 10, ip=ip, ws=ws, package="Negotiate", privileged=True, length=length
            )  # fmt: skip
            if not legit_added and a in admins:
                legit_added = True
                member = rng.choice(staff)
                share_group = rng.choice(SHARE_GROUPS)
                sec.add(
                    t + rng.randint(60, length - 30), 4732, SubjectUserName=a,
                    SubjectDomainName=netbios, TargetUserName=share_group,
                    TargetDomainName=host, LogonId=lid, MemberName=f"{netbios}\\{member}",
                    GroupName=share_group,
                )  # fmt: skip
                # a legitimate task and service, installed by an administrator
                tt = t + rng.randint(60, length - 30)
                sec.add(
                    tt, 4698, SubjectUserName=a, SubjectDomainName=netbios, LogonId=lid,
                    TaskName=rng.choice((r"\IT\Nightly Share Report", r"\IT\Purge Temp Files")),
                )  # fmt: skip
                sys_event(
                    tt + 40, 7045, "Service Control Manager",
                    "A service was installed in the system.\r\n\r\n"
                    "Service Name:  Backup Agent\r\n"
                    "Service File Name:  \"C:\\Program Files\\Backup Agent\\bagent.exe\" /service\r\n"
                    "Service Type:  user mode service\r\nService Start Type:  auto start\r\n"
                    "Service Account:  LocalSystem",
                )  # fmt: skip
                service_state(tt + 42, "Backup Agent", True)

    # --- internet scanners knocking on RDP ----------------------------------------------------
    used = {attacker_ip}
    for _ in range(rng.randint(2, 4)):
        ip = f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"
        if ip in used:
            continue
        used.add(ip)
        t = rng.randint(0, end - HOUR)
        for _ in range(rng.randint(2, 9)):
            name = rng.choice(SCANNER_NAMES)
            sub = "0xC000006A" if name.lower() == "administrator" else "0xC0000064"
            sec.failure(t, name, "", 3, ip, rng.choice(("-", _random_name(rng))), sub)
            t += rng.randint(1, 40)

    # --- the attack ---------------------------------------------------------------------------
    t = night * DAY + rng.randint(30 * MINUTE, 4 * HOUR)
    start_guessing = t
    for _ in range(rng.randint(60, 240)):
        sec.failure(t, compromised, netbios, 3, attacker_ip, attacker_ws, "0xC000006A")
        t += rng.choice((0, 1, 1, 1, 2))
    t += rng.randint(5, 90)
    kind = rng.choice((10, 3))
    logon_at = t
    lid = sec.logon(
        t, compromised, netbios, kind, ip=attacker_ip, ws=attacker_ws, package="NTLM",
        privileged=True,
    )  # fmt: skip
    when: dict[str, int] = {"password-guessing": start_guessing, "logon": logon_at}
    t += rng.randint(60, 4 * MINUTE)
    for step in order[2:-1]:
        when[step] = t
        if step == "account-created":
            fields = {
                "SubjectUserName": compromised,
                "SubjectDomainName": netbios,
                "TargetUserName": created,
                "TargetDomainName": host,
                "LogonId": lid,
            }
            sec.add(t, 4720, **fields)
            sec.add(t, 4722, **fields)
            sec.add(t, 4724, **fields)
            sec.add(t, 4738, **fields)
        elif step == "added-to-group":
            sec.add(
                t, 4732, SubjectUserName=compromised, SubjectDomainName=netbios,
                TargetUserName=group, TargetDomainName="Builtin", LogonId=lid,
                MemberName=f"{host}\\{created}", GroupName=group,
            )  # fmt: skip
        elif step == "service-installed":
            sys_event(
                t, 7045, "Service Control Manager",
                "A service was installed in the system.\r\n\r\n"
                f"Service Name:  {service}\r\nService File Name:  {service_path}\r\n"
                "Service Type:  user mode service\r\nService Start Type:  auto start\r\n"
                "Service Account:  LocalSystem",
            )  # fmt: skip
            service_state(t + rng.randint(1, 5), service, True)
        else:
            sec.add(
                t, 4698, SubjectUserName=compromised, SubjectDomainName=netbios, LogonId=lid,
                TaskName=task,
            )  # fmt: skip
        t += rng.randint(40, 6 * MINUTE)
    t += rng.randint(MINUTE, 8 * MINUTE)
    cleared = t
    when["log-cleared"] = t
    sec.add(t, 1102, SubjectUserName=compromised, SubjectDomainName=netbios, LogonId=lid)
    t += rng.randint(10, 120)
    if kind == 10:
        sec.add(t, 4647, TargetUserName=compromised, TargetDomainName=netbios, LogonId=lid)
    sec.add(
        t + 1, 4634, TargetUserName=compromised, TargetDomainName=netbios, LogonId=lid,
        LogonType=str(kind),
    )  # fmt: skip

    # --- render: newest first, as Get-WinEvent lists them -------------------------------------
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n", restval=""
    )
    writer.writeheader()
    for ts, _, row in sorted(sec.rows, key=lambda e: (e[0], e[1]), reverse=True):
        if ts > end:
            continue
        writer.writerow({**row, "TimeCreated": _stamp(first, ts)})
    security = out.getvalue()
    events = []
    kept = sorted((e for e in system if e[0] <= end), key=lambda e: (e[0], e[1]))
    for ts, second in itertools.groupby(kept, key=lambda e: e[0]):
        same = list(second)  # events in one second: fractions (100 ns ticks) in the same order
        ticks = sorted(rng.sample(range(10_000_000), len(same)))
        for (_, _, obj), tick in zip(same, ticks, strict=True):
            events.append({**obj, "TimeCreated": _iso(first, ts, tick)})
    events.reverse()
    system_json = json.dumps(events, indent=2) + "\n"

    last = first + timedelta(days=2)
    readme = (
        f"Evidence: {division}, file server {computer}\n"
        f"Collected by the IT wing on {WEEKDAYS[last.weekday()]} {last.isoformat()} "
        f"at {_stamp(first, end)[11:16]} PKT.\n\n"
        f"Host: {host} (FQDN {computer}), Windows Server 2019, member of the domain "
        f"{netbios} ({dns}).\n"
        "Role: departmental file shares (\\\\" + host + "\\Shares). RDP (TCP 3389) is reachable\n"
        "from the office network and, through a firewall rule opened for a vendor, from the\n"
        "internet.\n"
        "Time zone: Pakistan Standard Time (Asia/Karachi, UTC+05:00). Every time in security.csv\n"
        "is local time; system.json gives the offset with each time.\n\n"
        "Networks:\n"
        f"  {office}.0/24   staff workstations\n"
        f"  {it_net}.0/24   IT wing (administrators, monitoring, backup server)\n\n"
        "IT accounts with administrator rights on this server:\n"
        + "".join(f"  {netbios}\\{a}\n" for a in sorted([*admins, compromised]))
        + f"  {netbios}\\{monitor} (monitoring), {netbios}\\{backup} (nightly backup)\n\n"
        "How the files were made (on the Windows Event Collector, which keeps a copy of every\n"
        "event the server forwards, even after the server's own log is cleared):\n"
        f"  security.csv  Get-WinEvent -LogName ForwardedEvents (Security events of {host}),\n"
        "                the EventData fields flattened into columns and the first line of each\n"
        "                message kept, | Export-Csv -NoTypeInformation. Newest event first.\n"
        "                TimeCreated is yyyy-MM-dd HH:mm:ss local time.\n"
        f"  system.json   the System log of {host} (Get-WinEvent ... | ConvertTo-Json),\n"
        "                newest event first; TimeCreated in ISO 8601 with the offset.\n\n"
        "SHA-256:\n"
        f"  {hashlib.sha256(security.encode()).hexdigest()}  security.csv\n"
        f"  {hashlib.sha256(system_json.encode()).hexdigest()}  system.json\n"
    )

    cleared_iso = datetime.fromisoformat(_stamp(first, cleared)).replace(tzinfo=PKT).isoformat()
    answers = {
        "attacker-ip": attacker_ip,
        "compromised-account": compromised,
        "created-account": created,
        "group": group,
        "service-path": [service_path, service_path.replace("\\", "\\\\")],
        "task-name": [task, task.lstrip("\\")],
        "log-cleared": cleared_iso,
        "attack-order": list(order),
    }
    notes = {
        "host": host,
        "computer": computer,
        "service": service,
        "order": list(order),
        "when": {k: _stamp(first, v) for k, v in when.items()},
        "stale_ip": stale_ip,
        "kind": kind,
    }
    return Case(
        files={"security.csv": security, "system.json": system_json, "README.txt": readme},
        answers=answers,
        notes=notes,
    )
