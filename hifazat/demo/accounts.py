"""The demo's accounts: one per role, with a published password (demo mode only)."""

from dataclasses import dataclass

from hifazat.orgs.roles import Role

DEMO_PASSWORD = "Safe-Demo-Passphrase-26"  # noqa: S105 - published on purpose, demo mode only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    org: str
    designation: str
    grade: int
    role: str | None = None
    role_org: str | None = None  # the role's scope, when scoped
    track: str = "general"
    label: str = ""


DEMO_ACCOUNTS = (
    DemoAccount(
        "learner@moitt.gov.example", "Sana Qureshi", "ITTD", "Assistant", 15, label="Learner"
    ),
    DemoAccount(
        "itadmin@moitt.gov.example",
        "Bilal Ahmed Awan",
        "ITTD",
        "System Administrator",
        17,
        track="it_admin",
        label="IT administrator",
    ),
    DemoAccount(
        "focal.itt@moitt.gov.example",
        "Farah Naz Siddiqui",
        "ITTD",
        "Section Officer",
        18,
        Role.FOCAL_PERSON,
        "ITTD",
        label="Focal person, IT & Telecom Division",
    ),
    DemoAccount(
        "focal.interior@interior.gov.example",
        "Kamran Khattak",
        "INTD",
        "Deputy Secretary",
        19,
        Role.FOCAL_PERSON,
        "INTD",
        label="Focal person, Interior Division",
    ),
    DemoAccount(
        "head.itt@moitt.gov.example",
        "Tariq Mehmood Chaudhry",
        "ITTD",
        "Federal Secretary",
        22,
        Role.HEAD,
        "ITTD",
        label="Head of organisation, IT & Telecom Division",
    ),
    DemoAccount(
        "trainer@pseb.gov.example",
        "Hina Baloch",
        "PSEB",
        "Deputy Director",
        18,
        Role.TRAINER,
        None,
        track="it_admin",
        label="Trainer",
    ),
    DemoAccount(
        "pm@moitt.gov.example",
        "Usman Rafiq Malik",
        "MOITT",
        "Director",
        19,
        Role.PROGRAMME_MANAGER,
        None,
        label="Programme manager",
    ),
    DemoAccount(
        "author@ntisb.gov.example",
        "Adnan Shah Naqvi",
        "NTISB",
        "Assistant Director",
        17,
        Role.ADVISORY_AUTHOR,
        "NTISB",
        track="it_admin",
        label="Advisory author",
    ),
    DemoAccount(
        "reviewer@ntisb.gov.example",
        "Rabia Gillani",
        "NTISB",
        "Deputy Director",
        18,
        Role.ADVISORY_REVIEWER,
        "NTISB",
        track="it_admin",
        label="Advisory reviewer",
    ),
    DemoAccount(
        "publisher@ntisb.gov.example",
        "Shahid Iqbal Mughal",
        "NTISB",
        "Director",
        19,
        Role.ADVISORY_PUBLISHER,
        "NTISB",
        track="it_admin",
        label="Advisory publisher",
    ),
    DemoAccount(
        "phishing@moitt.gov.example",
        "Zeeshan Haider Rizvi",
        "MOITT",
        "IT Security Officer",
        17,
        Role.CAMPAIGN_OPERATOR,
        None,
        track="it_admin",
        label="Campaign operator",
    ),
    DemoAccount(
        "phishing.approver@cabsec.gov.example",
        "Farzana Kazmi",
        "CABSEC",
        "Deputy Director (IT Security)",
        18,
        Role.CAMPAIGN_OPERATOR,
        None,
        track="it_admin",
        label="Campaign operator (approves)",
    ),
    DemoAccount(
        "auditor@cabsec.gov.example",
        "Nadia Soomro",
        "CABSEC",
        "Director",
        19,
        Role.AUDITOR,
        None,
        label="Auditor",
    ),
    DemoAccount(
        "admin@moitt.gov.example",
        "Imtiaz Hussain Abbasi",
        "MOITT",
        "Director (IT)",
        19,
        Role.PLATFORM_ADMIN,
        None,
        track="it_admin",
        label="Platform admin",
    ),
)

DEMO_EMAILS = frozenset(a.email for a in DEMO_ACCOUNTS)
