"""A real SMTP peer in a process of its own (aiosmtpd on loopback) for multi-process tests and
benchmarks. Every accepted message is appended to LOG as one line:
``<time> <recipient> <message-id>``.

Recipients listed in SINK_TEMPFAIL get "451" the first time they are tried (then accepted);
those in SINK_REJECT always get "550". Usage: python tests/smtp_sink.py PORT LOG
"""

import asyncio
import email.parser
import os
import sys
import time

from aiosmtpd.controller import Controller

TEMPFAIL = set(filter(None, os.environ.get("SINK_TEMPFAIL", "").split(",")))
REJECT = set(filter(None, os.environ.get("SINK_REJECT", "").split(",")))


class Handler:
    def __init__(self, log):
        self.log = log
        self.tried = set()
        self.parser = email.parser.BytesHeaderParser()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in REJECT:
            return "550 5.1.1 No such user here"
        if address in TEMPFAIL and address not in self.tried:
            self.tried.add(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.content)
        for rcpt in envelope.rcpt_tos:
            self.log.write(f"{time.time():.6f} {rcpt} {headers['Message-ID']}\n")
        self.log.flush()
        return "250 Message accepted for delivery"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "a", encoding="utf-8") as log:
        controller = Controller(Handler(log), hostname="127.0.0.1", port=port)
        controller.start()
        print("ready", flush=True)
        try:
            asyncio.run(asyncio.Event().wait())
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()


if __name__ == "__main__":
    main()
