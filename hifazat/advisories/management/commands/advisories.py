"""``hifazat advisories verify FILE`` — check an advisory file's signature (and SHA-512);
``hifazat advisories import FILE --issuer CODE --as EMAIL`` — a KEV or CSAF file as a draft;
``hifazat advisories export --format csaf|stix DIR [--as EMAIL]`` — published advisories as files.

Exit status: 0 when all is well, 1 when a signature or a file is bad (nothing is written)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hifazat.advisories.models import IssuerKey, Tlp


class Command(BaseCommand):
    help = "Advisories: verify a signed file, import KEV/CSAF as a draft, export published ones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check FILE against FILE.asc (and FILE.sha512)")
        verify.add_argument("file")
        verify.add_argument("--signature", help="the detached signature (default FILE.asc)")
        imp = sub.add_parser("import", help="a CISA KEV JSON or CSAF 2.0 file as a draft advisory")
        imp.add_argument("file")
        imp.add_argument("--issuer", required=True, help="issuing organisation's code, e.g. NTISB")
        imp.add_argument(
            "--as",
            dest="email",
            required=True,
            help="the author (an advisory author of the issuer)",
        )
        exp = sub.add_parser(
            "export", help="write published advisories as CSAF (+ .sha512, .asc) or STIX"
        )
        exp.add_argument("--format", choices=["csaf", "stix"], required=True)
        exp.add_argument("directory")
        exp.add_argument(
            "--as", dest="email", help="export what this person may read (default: TLP:CLEAR only)"
        )

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def do_verify(self, file, signature=None, **_):
        from hifazat.advisories.exchange.signing import verify

        path = Path(file)
        sig_path = Path(signature) if signature else path.with_name(path.name + ".asc")
        if not path.is_file() or not sig_path.is_file():
            raise CommandError(f"need both {path} and {sig_path}")
        data = path.read_bytes()
        verdict = verify(
            data,
            sig_path.read_text(),
            list(IssuerKey.objects.values_list("public_key", flat=True)),
        )
        sha_path = path.with_name(path.name + ".sha512")
        sha_ok = True
        if sha_path.is_file():
            import hashlib

            expected = sha_path.read_text().split()[0].lower()
            sha_ok = expected == hashlib.sha512(data).hexdigest()
            self.stdout.write(f"SHA-512: {'matches' if sha_ok else 'DOES NOT MATCH'}")
        self.stdout.write(verdict.message)
        if not (verdict.valid and sha_ok):
            raise CommandError(f"{path.name}: not a genuine advisory file")

    def do_import(self, file, issuer, email, **_):
        from hifazat.advisories.exchange.imports import ImportProblem, import_file
        from hifazat.orgs.models import Organisation, Person

        org = Organisation.objects.filter(code=issuer).first()
        actor = Person.objects.filter(email=email.lower(), is_active=True).first()
        if org is None or actor is None:
            raise CommandError("unknown issuer code or person")
        try:
            advisory = import_file(Path(file).read_bytes(), actor=actor, issuer=org)
        except ImportProblem as exc:
            raise CommandError(f"{file}: {exc} (nothing was imported)")
        except PermissionError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"Draft {advisory.tracking_id}: {advisory.title}")

    def do_export(self, format, directory, email=None, **_):
        from hifazat.advisories import policy
        from hifazat.advisories.exchange.csaf import csaf_filename
        from hifazat.advisories.exchange.views import signed_csaf
        from hifazat.orgs.models import Person

        user = (
            Person.objects.filter(email=(email or "").lower(), is_active=True).first()
            if email
            else None
        )
        if email and user is None:
            raise CommandError(f"no active person {email}")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        advisories = (
            policy.visible_advisories(user)
            .filter(live__isnull=False)
            .exclude(tlp=Tlp.RED)
            .select_related("live", "issuer")
        )
        count = 0
        for advisory in advisories:
            revision = advisory.live
            name = csaf_filename(revision.snapshot["tracking_id"])
            if format == "csaf":
                data, sha_line, signature = signed_csaf(revision)
                (out / name).write_bytes(data)
                (out / (name + ".sha512")).write_text(sha_line)
                (out / (name + ".asc")).write_text(signature)
            else:
                from hifazat.advisories.exchange.stix import stix_bytes

                (out / name.replace(".json", ".stix.json")).write_bytes(stix_bytes(revision, user))
            count += 1
        from hifazat.audit.services import audit_record

        audit_record(
            actor=user,
            action="advisory.bulk_exported",
            object_type="advisories.advisory",
            data={"format": format, "count": count},
        )
        self.stdout.write(f"{count} advisories written to {out}")
        return None
