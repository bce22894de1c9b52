"""Password rules beyond Django's: context words refused, long passphrases accepted whole."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words an attacker tries first against a government platform. Matched case-insensitively
# after stripping digits and symbols, so "Pakistan@2026" and "h1fazat!!" are refused.
CONTEXT_WORDS = (
    "password",
    "hifazat",
    "pakistan",
    "islamabad",
    "government",
    "ministry",
    "division",
    "cabinet",
    "moitt",
    "ntisb",
    "admin",
    "welcome",
    "qwerty",
    "letmein",
)
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


class ContextWordsValidator:
    def validate(self, password, user=None):
        folded = re.sub(r"[^a-z]", "", password.lower().translate(LEET))
        words = list(CONTEXT_WORDS)
        if user is not None and getattr(user, "organisation_id", None):
            org = user.organisation
            words += [w for w in re.split(r"\W+", org.name.lower()) if len(w) > 4]
            words.append(org.code.lower())
        found = [w for w in words if w and w in folded]
        rest = folded
        for word in sorted(found, key=len, reverse=True):
            rest = rest.replace(word, "")
        # Refused when context words are most of the password: padding them with digits,
        # symbols or a short word adds almost nothing an attacker would not try.
        if found and len(rest) < 6:
            raise ValidationError(
                _(
                    "This password is built on words attackers try first (%(word)s). "
                    "Use a passphrase of unrelated words instead."
                ),
                code="password_context_word",
                params={"word": ", ".join(found)},
            )

    def get_help_text(self):
        return _(
            "Your password cannot be built on words such as “password”, “Pakistan” or your ministry’s name."
        )


class MaximumLengthValidator:
    """Accept long passphrases (never truncated; Argon2 hashes them whole) up to a sane cap."""

    max_length = 1024

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Use at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Long passphrases are welcome.")
