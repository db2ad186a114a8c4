"""Real-world-shaped e-mails, as bytes: how Gmail, Outlook and Apple Mail quote, forwards, HTML-only
mail, Welsh and emoji, winmail.dat, inline images, bounces and auto-replies, and broken mail.

Each builder takes what varies (sender, recipient, the Message-ID it answers) and returns the
message exactly as a mail server would hand it over (CRLF line ends).
"""

import base64
import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from tests.complaints.factories import PDF_BYTES, PNG_BYTES

_numbers = itertools.count(1)

OUR_QUOTE = "We have received your complaint and will reply within 5 working days."


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _date() -> str:
    return format_datetime(timezone.now())


def _id(domain="mail.example.com") -> str:
    return f"<{next(_numbers)}.{make_msgid().strip('<>').split('@')[0]}@{domain}>"


def gmail_reply(
    *,
    sender="jane@example.com",
    to="complaints@localhost",
    in_reply_to="",
    subject="Re: Your complaint",
    text="Thanks, but the line still drops every evening.",
) -> bytes:
    headers = f"In-Reply-To: {in_reply_to}\nReferences: {in_reply_to}\n" if in_reply_to else ""
    return _crlf(
        f"""From: Jane Doe <{sender}>
To: {to}
Subject: {subject}
Date: {_date()}
Message-ID: {_id("mail.gmail.com")}
{headers}MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000gmail"

--000000000000gmail
Content-Type: text/plain; charset="UTF-8"

{text}

Jane

On Tue, 24 Nov 2026 at 10:02, Netservers Complaints <complaints@netservers.co.uk> wrote:

> Dear Jane,
>
> {OUR_QUOTE}
>

--000000000000gmail
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">{text}<div><br></div><div>Jane</div></div><br><div class="gmail_quote"><blockquote>{OUR_QUOTE}</blockquote></div>

--000000000000gmail--
"""
    )


def outlook_reply(
    *,
    sender="bob@example.co.uk",
    to="complaints@localhost",
    in_reply_to="",
    subject="RE: Your complaint",
    text="It is still broken.",
) -> bytes:
    headers = f"In-Reply-To: {in_reply_to}\nThread-Topic: Your complaint\n" if in_reply_to else ""
    return _crlf(
        f"""From: "Smith, Bob" <{sender}>
To: "Netservers Complaints" <{to}>
Subject: {subject}
Date: {_date()}
Message-ID: {_id("EXCH01.example.co.uk")}
{headers}MIME-Version: 1.0
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

{text}

Kind regards,
Bob

________________________________
From: Netservers Complaints <complaints@netservers.co.uk>
Sent: 24 November 2026 10:02
To: Bob Smith <{sender}>
Subject: Your complaint

{OUR_QUOTE}
"""
    )


def apple_mail_reply(
    *,
    sender="sian@example.cymru",
    to="complaints@localhost",
    in_reply_to="",
    text="Mae'r cysylltiad yn torri bob nos 😠 — still no fix.",
) -> bytes:
    headers = (
        f"In-Reply-To: {in_reply_to}\nReferences: <older@mail.example.com> {in_reply_to}\n"
        if in_reply_to
        else ""
    )
    body = base64.encodebytes(
        f"{text}\n\nSent from my iPhone\n\n> On 24 Nov 2026, at 10:02, Netservers Complaints <complaints@netservers.co.uk> wrote:\n>\n> {OUR_QUOTE}\n".encode()
    ).decode()
    return _crlf(
        f"""From: =?utf-8?q?Si=C3=A2n_Williams?= <{sender}>
To: {to}
Subject: =?utf-8?b?UmU6IEZ5IG5naHfFtXluIPCfmKA=?=
Date: {_date()}
Message-ID: {_id("icloud.com")}
{headers}Mime-Version: 1.0 (1.0)
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

{body}"""
    )


def new_complaint(
    *,
    sender="new.customer@example.com",
    name="Priya Patel",
    subject="Broadband down for a week",
    text="My broadband has not worked since Monday and nobody has called back.",
    date="",
) -> bytes:
    return _crlf(
        f"""From: {name} <{sender}>
To: complaints@localhost
Subject: {subject}
Date: {date or _date()}
Message-ID: {_id()}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

{text}
"""
    )


def html_only(*, sender="html@example.com", to="complaints@localhost") -> bytes:
    return _crlf(
        f"""From: Html Sender <{sender}>
To: {to}
Subject: Billing mistake
Date: {_date()}
Message-ID: {_id()}
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p {{ color: red }}</style><script>alert('x')</script></head>
<body><p>I was charged <b>twice</b> for November.</p><p>Please refund &pound;30 &amp; explain.</p>
<img src="https://tracker.example/pixel.gif" onerror="alert(1)"></body></html>
"""
    )


def with_attachments(
    *, sender="files@example.com", to="complaints@localhost", in_reply_to="", files=None
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Files Person <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: photos of the router"
    message["Date"] = _date()
    message["Message-ID"] = _id()
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("Here are the photos and the bill.")
    for name, content, maintype, subtype in files or [
        ("router.png", PNG_BYTES, "image", "png"),
        ("bill.pdf", PDF_BYTES, "application", "pdf"),
    ]:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def outlook_with_winmail_dat(*, sender="rtf@example.com", to="complaints@localhost", in_reply_to="") -> bytes:
    return with_attachments(
        sender=sender,
        to=to,
        in_reply_to=in_reply_to,
        files=[("winmail.dat", b"\x78\x9f\x3e\x22" + b"\x00" * 40, "application", "ms-tnef")],
    )


def inline_image(*, sender="inline@example.com", to="complaints@localhost", in_reply_to="") -> bytes:
    message = EmailMessage()
    message["From"] = f"Inline Person <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: the error on screen"
    message["Date"] = _date()
    message["Message-ID"] = _id()
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("See the screenshot below.")
    message.add_alternative('<p>See the screenshot below.</p><img src="cid:shot@local">', subtype="html")
    message.get_payload()[1].add_related(PNG_BYTES, maintype="image", subtype="png", cid="<shot@local>")
    return message.as_bytes()


def forwarded(*, sender="helper@example.com", to="complaints@localhost") -> bytes:
    inner = new_complaint(sender="original@example.com", name="Original Sender", subject="My bill")
    message = EmailMessage()
    message["From"] = f"A Helper <{sender}>"
    message["To"] = to
    message["Subject"] = "Fwd: My bill"
    message["Date"] = _date()
    message["Message-ID"] = _id()
    message.set_content("Forwarding my mother's complaint: she is not online.")
    message.add_attachment(inner, maintype="message", subtype="rfc822", filename="My bill.eml")
    return message.as_bytes()


def auto_reply(
    *, sender="away@example.com", to="complaints@localhost", header="Auto-Submitted: auto-replied"
) -> bytes:
    return _crlf(
        f"""From: Away Person <{sender}>
To: {to}
Subject: Out of office: Your complaint NS-0000-0000
Date: {_date()}
Message-ID: {_id()}
{header}
Content-Type: text/plain; charset=utf-8

I am away until Monday.
"""
    )


def bounce(*, to="complaints@localhost", original="") -> bytes:
    return _crlf(
        f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: {_date()}
Message-ID: {_id("mx.example.com")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="bounce"

--bounce
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--bounce
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Final-Recipient: rfc822; gone@example.com
Action: failed
Status: 5.1.1

--bounce
Content-Type: text/rfc822-headers

Message-ID: {original}
Subject: Your complaint

--bounce--
"""
    )


def malformed() -> bytes:
    """Broken in every way a real one can be: 8-bit headers, an unknown charset, bad boundary, no From."""
    return (
        b"To: complaints@localhost\r\n"
        b"Subject: Caf\xe9 \xff\xfe broken\r\n"
        b"Message-ID: <broken-1@example.com>\r\n"
        b"Date: not a date at all\r\n"
        b'Content-Type: multipart/mixed; boundary="nope\r\n'
        b"\r\n"
        b"--elsewhere\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
        b"Some text \xe9\xe8 here\r\n"
    )


def unknown_charset(*, sender="charset@example.com") -> bytes:
    return (
        f"From: Charset Person <{sender}>\r\nTo: complaints@localhost\r\nSubject: Hello\r\n"
        f"Message-ID: {_id()}\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\n"
    ).encode() + b"Caf\xc3\xa9 closed, line down \xe2\x80\x94 please help\r\n"
