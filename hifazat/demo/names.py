"""Plausible Pakistani names and federal-government designations for demo data.

The deterministic demo-data generator draws on these tables to populate a
training tenant with believable federal employees: a name, a basic pay scale
(BPS) grade and a designation that fits that grade. The data was written for
this project and is not copied from any published list. Names are romanised in
plain ASCII, spelled the way they usually appear in Pakistani official records.

Everything here is pure data plus two small helpers. The helpers take a
``random.Random`` instance so that the generator stays deterministic for a
given seed. Do not import Django here.
"""

from __future__ import annotations

import random

__all__ = [
    "DESIGNATIONS",
    "FAMILY_NAMES",
    "FEMALE_GIVEN_NAMES",
    "GRADE_WEIGHTS",
    "IT_DESIGNATIONS",
    "MALE_GIVEN_NAMES",
    "designation_for",
    "full_name",
]

MIN_BPS = 1
MAX_BPS = 22

MALE_GIVEN_NAMES: tuple[str, ...] = (
    # Common across Punjab and the rest of the country
    "Muhammad Asif",
    "Muhammad Akram",
    "Muhammad Ilyas",
    "Muhammad Naeem",
    "Muhammad Rafiq",
    "Ali",
    "Usman",
    "Bilal",
    "Imran",
    "Kamran",
    "Farhan",
    "Zeeshan",
    "Waqas",
    "Naveed",
    "Tariq",
    "Shahid",
    "Junaid",
    "Adnan",
    "Hamza",
    "Faisal",
    "Saqib",
    "Sajjad",
    "Ahmed",
    "Arslan",
    "Atif",
    "Aamir",
    "Asad",
    "Azhar",
    "Babar",
    "Fahad",
    "Haris",
    "Hassan",
    "Husnain",
    "Irfan",
    "Kashif",
    "Khalid",
    "Khurram",
    "Mohsin",
    "Mudassar",
    "Nadeem",
    "Nasir",
    "Nauman",
    "Qaiser",
    "Rashid",
    "Rizwan",
    "Sohail",
    "Shoaib",
    "Tahir",
    "Tanveer",
    "Umair",
    "Waseem",
    "Yasir",
    "Zahid",
    "Zubair",
    "Shahzad",
    "Pervaiz",
    "Javed",
    "Arif",
    "Sajid",
    "Ijaz",
    "Iftikhar",
    "Mushtaq",
    "Sarfraz",
    "Zafar",
    "Abdul Rehman",
    "Ghulam Abbas",
    "Allah Ditta",
    "Ehsan",
    # Sindh
    "Ali Nawaz",
    "Sikandar",
    "Nisar",
    "Imdad",
    "Mumtaz",
    "Ali Gohar",
    "Khadim Hussain",
    "Ghulam Qadir",
    "Manzoor",
    "Niaz",
    # Khyber Pakhtunkhwa
    "Gul Zaman",
    "Sher Afzal",
    "Fazal",
    "Zarak",
    "Wali",
    "Ihsanullah",
    "Hayatullah",
    "Inamullah",
    "Samiullah",
    "Rahmatullah",
    "Jahangir",
    "Bakht Zada",
    "Aimal",
    "Sher Ali",
    # Balochistan
    "Jan Muhammad",
    "Dost Muhammad",
    "Karim Bakhsh",
    "Naseebullah",
    "Akbar",
    "Shahbaz",
    "Mehrab",
    "Hammal",
    # Azad Kashmir and Gilgit-Baltistan
    "Shafqat",
    "Karamat",
    "Wajid",
    "Shabbir",
    "Amjad",
    "Aftab",
    "Sultan",
    "Didar Ali",
    "Sadruddin",
    "Ibadat",
    # Urdu-speaking families
    "Salman",
    "Owais",
    "Rehan",
    "Danish",
    "Asim",
    "Shakeel",
    "Jameel",
    "Faraz",
    "Moiz",
    "Shariq",
    # Christian and Hindu communities
    "Emmanuel",
    "Samuel",
    "Patras",
    "Ravi",
    "Sunil",
    "Ashok",
    "Mukesh",
)

FEMALE_GIVEN_NAMES: tuple[str, ...] = (
    "Ayesha",
    "Fatima",
    "Sana",
    "Saima",
    "Nadia",
    "Rabia",
    "Hina",
    "Mehwish",
    "Amna",
    "Sadia",
    "Bushra",
    "Farah",
    "Iqra",
    "Zainab",
    "Asma",
    "Aqsa",
    "Ambreen",
    "Anum",
    "Aneela",
    "Asiya",
    "Atiya",
    "Beenish",
    "Faiza",
    "Farzana",
    "Fouzia",
    "Ghazala",
    "Huma",
    "Humaira",
    "Irum",
    "Javeria",
    "Kiran",
    "Kulsoom",
    "Lubna",
    "Maria",
    "Maryam",
    "Madiha",
    "Memoona",
    "Misbah",
    "Nabila",
    "Naila",
    "Nasreen",
    "Nazia",
    "Noreen",
    "Naheed",
    "Nighat",
    "Nosheen",
    "Quratulain",
    "Rubina",
    "Rukhsana",
    "Saba",
    "Sabeen",
    "Sadaf",
    "Saira",
    "Samina",
    "Sameera",
    "Shabana",
    "Shazia",
    "Shaista",
    "Shumaila",
    "Sidra",
    "Sobia",
    "Sumaira",
    "Tahira",
    "Tehmina",
    "Uzma",
    "Wajiha",
    "Yasmin",
    "Zara",
    "Zubaida",
    "Zahida",
    "Khadija",
    "Hajra",
    "Mahnoor",
    "Laiba",
    "Areeba",
    "Hafsa",
    "Komal",
    "Mehreen",
    "Nimra",
    "Rida",
    "Sundas",
    "Tayyaba",
    "Parveen",
    "Shahnaz",
    "Zarina",
    "Gulshan",
    # Khyber Pakhtunkhwa and Balochistan
    "Palwasha",
    "Zarmina",
    "Naghma",
    "Gul Bano",
    "Shaheen",
    "Mahgul",
    # Gilgit-Baltistan and Azad Kashmir
    "Gul Jahan",
    "Shamim",
    "Naseem",
    # Christian and Hindu communities
    "Mary",
    "Kavita",
    "Sunita",
    "Pooja",
)

FAMILY_NAMES: tuple[str, ...] = (
    # Punjab
    "Khan",
    "Malik",
    "Chaudhry",
    "Butt",
    "Awan",
    "Rajput",
    "Mughal",
    "Dogar",
    "Cheema",
    "Gondal",
    "Warraich",
    "Bhatti",
    "Sial",
    "Tiwana",
    "Arain",
    "Bajwa",
    "Chattha",
    "Dar",
    "Gill",
    "Goraya",
    "Gujjar",
    "Janjua",
    "Khokhar",
    "Rana",
    "Randhawa",
    "Sandhu",
    "Sethi",
    "Tarar",
    "Virk",
    "Wattoo",
    "Sipra",
    "Sukhera",
    "Bhutta",
    "Joiya",
    "Kharal",
    "Langah",
    "Paracha",
    "Khawaja",
    "Lodhi",
    "Niazi",
    "Kayani",
    "Satti",
    "Dasti",
    "Qaisrani",
    "Khosa",
    # Names taken from a father's or grandfather's name
    "Ahmed",
    "Aslam",
    "Anjum",
    "Ashraf",
    "Aziz",
    "Hameed",
    "Haider",
    "Hayat",
    "Hussain",
    "Iqbal",
    "Javed",
    "Akhtar",
    "Latif",
    "Mehmood",
    "Rafique",
    "Raza",
    "Rehman",
    "Saleem",
    # Syed and other lineage names
    "Shah",
    "Naqvi",
    "Rizvi",
    "Gillani",
    "Hashmi",
    "Zaidi",
    "Kazmi",
    "Jafri",
    "Bukhari",
    "Abidi",
    "Taqvi",
    "Hamdani",
    "Qureshi",
    "Siddiqui",
    "Farooqi",
    "Ansari",
    "Usmani",
    "Alvi",
    "Shaikh",
    "Abbasi",
    "Mirza",
    "Baig",
    "Qazi",
    "Pirzada",
    "Warsi",
    "Nizami",
    # Sindh
    "Memon",
    "Soomro",
    "Jatoi",
    "Bhutto",
    "Talpur",
    "Khoso",
    "Leghari",
    "Mazari",
    "Chandio",
    "Junejo",
    "Kalhoro",
    "Mahar",
    "Sahito",
    "Samo",
    "Solangi",
    "Unar",
    "Shar",
    "Brohi",
    "Abro",
    "Panhwar",
    # Khyber Pakhtunkhwa
    "Khattak",
    "Yousafzai",
    "Durrani",
    "Afridi",
    "Wazir",
    "Bangash",
    "Marwat",
    "Tareen",
    "Jadoon",
    "Mahsud",
    "Mohmand",
    "Orakzai",
    "Shinwari",
    "Swati",
    "Tanoli",
    "Kundi",
    "Hoti",
    "Mohmandzai",
    # Balochistan
    "Baloch",
    "Bugti",
    "Mengal",
    "Kakar",
    "Achakzai",
    "Magsi",
    "Jamali",
    "Lashari",
    "Rind",
    "Raisani",
    "Zehri",
    "Marri",
    "Bizenjo",
    "Kurd",
    "Lehri",
    "Umrani",
    "Mandokhel",
    "Buzdar",
    # Azad Kashmir and Gilgit-Baltistan
    "Sudhan",
    "Lone",
    "Wani",
    "Mir",
    "Hunzai",
    "Shigri",
    # Christian and Hindu communities
    "Masih",
    "Kumar",
    "Kumari",
    "Lal",
    "Das",
    "Chand",
)

# (designation, min_bps, max_bps) for the federal secretariat and attached
# departments. Ranges are the grades at which the post is commonly held,
# including time-scale and upgradation, not a statement of the rules.
DESIGNATIONS: tuple[tuple[str, int, int], ...] = (
    ("Sanitary Worker", 1, 1),
    ("Chowkidar", 1, 2),
    ("Mali", 1, 2),
    ("Naib Qasid", 1, 2),
    ("Security Guard", 2, 4),
    ("Daftari", 3, 4),
    ("Dispatch Rider", 4, 5),
    ("Driver", 4, 6),
    ("Photocopy Machine Operator", 4, 7),
    ("Electrician", 5, 7),
    ("Record Keeper", 7, 9),
    ("Receptionist", 7, 9),
    ("Telephone Operator", 7, 9),
    ("Lower Division Clerk", 9, 11),
    ("Upper Division Clerk", 11, 14),
    ("Auditor", 11, 14),
    ("Cashier", 11, 14),
    ("Stenotypist", 12, 14),
    ("Senior Auditor", 14, 16),
    ("Assistant", 15, 16),
    ("Stenographer", 15, 16),
    ("Assistant Private Secretary", 16, 16),
    ("Assistant Accounts Officer", 16, 16),
    ("Translator", 16, 17),
    ("Private Secretary", 16, 17),
    ("Superintendent", 16, 17),
    ("Librarian", 16, 17),
    ("Section Officer", 17, 18),
    ("Assistant Director", 17, 17),
    ("Accounts Officer", 17, 17),
    ("Research Officer", 17, 17),
    ("Statistical Officer", 17, 17),
    ("Protocol Officer", 17, 17),
    ("Assistant Chief", 17, 17),
    ("Assistant Legal Advisor", 17, 18),
    ("Deputy Director", 18, 18),
    ("Senior Private Secretary", 18, 19),
    ("Deputy Chief", 18, 19),
    ("Director", 19, 19),
    ("Deputy Secretary", 19, 19),
    ("Legal Advisor", 19, 20),
    ("Chief", 20, 20),
    ("Joint Secretary", 20, 20),
    ("Senior Joint Secretary", 21, 21),
    ("Additional Secretary", 21, 21),
    ("Federal Secretary", 22, 22),
)

# (designation, min_bps, max_bps) for the IT-administrator track.
IT_DESIGNATIONS: tuple[tuple[str, int, int], ...] = (
    ("Data Entry Operator", 12, 15),
    ("Computer Operator", 12, 16),
    ("Assistant Programmer", 16, 16),
    ("Web Developer", 16, 17),
    ("Assistant Network Administrator", 16, 17),
    ("Programmer", 17, 17),
    ("Hardware Engineer", 17, 17),
    ("Assistant Director (IT)", 17, 17),
    ("Network Administrator", 17, 18),
    ("System Administrator", 17, 18),
    ("System Analyst", 17, 18),
    ("IT Security Officer", 17, 18),
    ("Senior Programmer", 18, 18),
    ("Database Administrator", 18, 18),
    ("Deputy Director (IT)", 18, 18),
    ("Senior System Analyst", 18, 19),
    ("Director (IT)", 19, 20),
    ("Director General (IT)", 20, 21),
)

# Relative weight of each BPS grade in a federal workforce: a broad base of
# support staff and clerks, a thinner band of officers, and very few posts at
# BPS 20-22. Feed to ``rng.choices(list(GRADE_WEIGHTS), GRADE_WEIGHTS.values())``.
GRADE_WEIGHTS: dict[int, float] = {
    1: 14.0,
    2: 9.0,
    3: 4.0,
    4: 6.0,
    5: 4.0,
    6: 2.5,
    7: 4.0,
    8: 2.0,
    9: 5.0,
    10: 2.0,
    11: 6.0,
    12: 3.0,
    13: 2.0,
    14: 5.0,
    15: 4.0,
    16: 8.0,
    17: 7.0,
    18: 4.0,
    19: 2.0,
    20: 0.6,
    21: 0.25,
    22: 0.1,
}

# Given names used only within the Hindu or Christian communities. They are
# paired with a community surname and never get the "Muhammad" prefix.
_HINDU_GIVEN = frozenset(
    {
        "Ravi",
        "Sunil",
        "Ashok",
        "Mukesh",
        "Kavita",
        "Sunita",
        "Pooja",
    }
)
_CHRISTIAN_GIVEN = frozenset({"Emmanuel", "Samuel", "Patras", "Mary"})
# Given names common to Muslim and Christian families, so "Shahzad Masih" or
# "Rubina Masih" can appear now and then.
_SHARED_WITH_CHRISTIANS = frozenset(
    {
        "Shahzad",
        "Pervaiz",
        "Javed",
        "Arif",
        "Sajid",
        "Nadeem",
        "Sohail",
        "Rubina",
        "Shabana",
        "Nasreen",
        "Parveen",
        "Shamim",
        "Naseem",
        "Kiran",
    }
)
_HINDU_MALE_FAMILY = ("Kumar", "Lal", "Das", "Chand")
_HINDU_FEMALE_FAMILY = ("Kumari",)
_COMMUNITY_FAMILY = frozenset((*_HINDU_MALE_FAMILY, *_HINDU_FEMALE_FAMILY, "Masih"))
_GENERAL_FAMILY = tuple(f for f in FAMILY_NAMES if f not in _COMMUNITY_FAMILY)
# Compound given names that are not normally preceded by "Muhammad".
_NO_PREFIX_STARTS = ("Muhammad", "Abdul", "Allah", "Ghulam")

# Random pairings that would spell a well-known public figure. Demo data is
# shown to officials, so these are redrawn rather than printed.
_WELL_KNOWN = frozenset(
    {
        "Aamir Khan",
        "Akbar Bugti",
        "Ali Gohar Mahar",
        "Ali Nawaz Mahar",
        "Ali Sethi",
        "Ali Wazir",
        "Ali Zaidi",
        "Asad Durrani",
        "Asim Bajwa",
        "Asim Hussain",
        "Atif Aslam",
        "Azhar Mehmood",
        "Babar Awan",
        "Bushra Ansari",
        "Dost Muhammad Khosa",
        "Faisal Javed",
        "Faisal Kundi",
        "Farah Khan",
        "Fatima Bhutto",
        "Fazal Rehman",
        "Hamza Abbasi",
        "Iftikhar Chaudhry",
        "Ijaz Shah",
        "Imran Hashmi",
        "Imran Khan",
        "Irfan Khan",
        "Irfan Siddiqui",
        "Jahangir Khan",
        "Jahangir Tareen",
        "Jan Muhammad Jamali",
        "Javed Akhtar",
        "Javed Hashmi",
        "Javed Iqbal",
        "Khadim Hussain Rizvi",
        "Mehwish Hayat",
        "Mohsin Naqvi",
        "Mumtaz Bhutto",
        "Nadia Khan",
        "Nisar Chaudhry",
        "Owais Leghari",
        "Pervaiz Khattak",
        "Rashid Latif",
        "Sajjad Shah",
        "Salman Butt",
        "Salman Khan",
        "Samina Baig",
        "Samiullah Khan",
        "Sana Mir",
        "Sarfraz Ahmed",
        "Sarfraz Bugti",
        "Shafqat Mehmood",
        "Shahbaz Gill",
        "Shahid Abbasi",
        "Shahid Afridi",
        "Sher Afzal Marwat",
        "Shoaib Akhtar",
        "Shoaib Malik",
        "Tariq Aziz",
        "Usman Buzdar",
        "Usman Dar",
        "Uzma Bukhari",
        "Yasir Shah",
    }
)


def designation_for(grade: int, it_track: bool, rng: random.Random) -> str:
    """Pick a designation whose BPS range contains ``grade``.

    IT-track employees get an IT designation when one exists at that grade and
    otherwise fall back to the general secretariat table, which covers every
    grade from 1 to 22.
    """
    if not MIN_BPS <= grade <= MAX_BPS:
        raise ValueError(f"BPS grade must be {MIN_BPS}-{MAX_BPS}, got {grade}")
    tables = (IT_DESIGNATIONS, DESIGNATIONS) if it_track else (DESIGNATIONS,)
    for table in tables:
        options = [name for name, low, high in table if low <= grade <= high]
        if options:
            return rng.choice(options)
    raise AssertionError(f"no designation covers BPS-{grade}")  # see coverage check


def full_name(rng: random.Random) -> str:
    """Return a "Given Family" name; about 30% are women.

    About 35% of men get "Muhammad " in front of their given name. Hindu and
    Christian given names are paired with a community surname, and those
    surnames are not given to anyone else.
    """
    while True:
        female = rng.random() < 0.30
        given = rng.choice(FEMALE_GIVEN_NAMES if female else MALE_GIVEN_NAMES)
        christian = given in _CHRISTIAN_GIVEN
        if given in _SHARED_WITH_CHRISTIANS:
            christian = rng.random() < 0.10
        if given in _HINDU_GIVEN:
            family = rng.choice(_HINDU_FEMALE_FAMILY if female else _HINDU_MALE_FAMILY)
        elif christian:
            family = "Masih"
        else:
            family = rng.choice(_GENERAL_FAMILY)
            prefix_ok = not given.startswith(_NO_PREFIX_STARTS)
            if not female and prefix_ok and rng.random() < 0.35:
                given = f"Muhammad {given}"
        name = f"{given} {family}"
        if family != given.split()[-1] and name not in _WELL_KNOWN:
            return name


def _check_coverage() -> None:
    """Validate the tables; runs at import so a bad edit fails loudly."""
    name_tables = {
        "MALE_GIVEN_NAMES": MALE_GIVEN_NAMES,
        "FEMALE_GIVEN_NAMES": FEMALE_GIVEN_NAMES,
        "FAMILY_NAMES": FAMILY_NAMES,
    }
    for label, names in name_tables.items():
        if len(set(names)) != len(names):
            raise AssertionError(f"{label} contains duplicates")
        if not all(n.isascii() and n == n.strip() for n in names):
            raise AssertionError(f"{label} contains non-ASCII or padded names")
    for label, table in (("DESIGNATIONS", DESIGNATIONS), ("IT", IT_DESIGNATIONS)):
        titles = [title for title, _, _ in table]
        if len(set(titles)) != len(titles):
            raise AssertionError(f"{label} contains duplicate designations")
        for title, low, high in table:
            if not (title.isascii() and MIN_BPS <= low <= high <= MAX_BPS):
                raise AssertionError(f"bad designation entry: {title!r}")
    grades = range(MIN_BPS, MAX_BPS + 1)
    if set(GRADE_WEIGHTS) != set(grades) or min(GRADE_WEIGHTS.values()) <= 0:
        raise AssertionError("GRADE_WEIGHTS must give a positive weight to BPS 1-22")
    for grade in grades:
        if not any(low <= grade <= high for _, low, high in DESIGNATIONS):
            raise AssertionError(f"no designation covers BPS-{grade}")
    community = _HINDU_GIVEN | _CHRISTIAN_GIVEN | _SHARED_WITH_CHRISTIANS
    if not community <= set(MALE_GIVEN_NAMES) | set(FEMALE_GIVEN_NAMES):
        raise AssertionError("community given names must appear in the name lists")
    if not _COMMUNITY_FAMILY.issubset(FAMILY_NAMES):
        raise AssertionError("community surnames must appear in FAMILY_NAMES")


_check_coverage()
