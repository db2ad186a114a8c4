"""Reading e-mails (pure: no database): the new text from each mail program's quoting style, the
files, what marks a message as automatic, and broken mail that never makes the reader raise."""

import pytest

from complaints.inbound.parsing import html_to_text, parse_email
from tests.complaints.inbound import corpus


@pytest.mark.parametrize(
    ("raw", "new_text"),
    [
        pytest.param(
            corpus.gmail_reply(), "Thanks, but the line still drops every evening.\n\nJane", id="gmail"
        ),
        pytest.param(corpus.outlook_reply(), "It is still broken.", id="outlook"),
        pytest.param(
            corpus.apple_mail_reply(), "Mae'r cysylltiad yn torri bob nos 😠 — still no fix.", id="apple-mail"
        ),
    ],
)
def test_the_new_text_is_kept_and_the_quoted_history_and_sign_off_removed(raw, new_text):
    parsed = parse_email(raw)
    assert parsed.reply_text == new_text
    assert corpus.OUR_QUOTE in parsed.text  # the whole text is still there, for staff


def test_encoded_names_and_subjects_are_decoded():
    parsed = parse_email(corpus.apple_mail_reply())
    assert parsed.sender_name == "Siân Williams"
    assert parsed.subject == "Re: Fy nghwŵyn 😠"


def test_the_thread_is_read_nearest_first():
    parsed = parse_email(corpus.apple_mail_reply(in_reply_to="<ours@netservers.co.uk>"))
    assert parsed.thread_ids == [
        "<ours@netservers.co.uk>",
        "<ours@netservers.co.uk>",
        "<older@mail.example.com>",
    ]


def test_files_inline_images_and_forwarded_messages_are_files_and_the_body_is_not():
    attachments = parse_email(corpus.with_attachments())
    assert [(f.name, f.declared_type) for f in attachments.files] == [
        ("router.png", "image/png"),
        ("bill.pdf", "application/pdf"),
    ]
    inline = parse_email(corpus.inline_image())
    assert [f.declared_type for f in inline.files] == ["image/png"]
    assert inline.text == "See the screenshot below."
    forwarded = parse_email(corpus.forwarded())
    assert [(f.name, f.declared_type) for f in forwarded.files] == [("My bill.eml", "message/rfc822")]
    assert b"Original Sender" in forwarded.files[0].content


def test_html_becomes_text_without_scripts_styles_or_markup():
    assert html_to_text(
        "<style>p{}</style><p>One <b>two</b></p><script>x()</script><p>Three &amp; four</p>"
    ) == ("One two\n\nThree & four")
    assert html_to_text("<p>unclosed <div><span>") == "unclosed"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (corpus.auto_reply(), "Auto-Submitted: auto-replied"),
        (corpus.auto_reply(header="Precedence: junk"), "Precedence: junk"),
        (corpus.auto_reply(header="X-Autorespond: yes"), "X-Autorespond header"),
        (corpus.auto_reply(header="List-Unsubscribe: <mailto:x@example.com>"), "sent through a mailing list"),
        (corpus.bounce(), "a delivery or read report"),
        (
            corpus.new_complaint(sender="postmaster@example.com"),
            "sent by a system address (postmaster@example.com)",
        ),
    ],
)
def test_automatic_messages_are_recognised(raw, why):
    assert parse_email(raw).automatic == why


def test_a_person_who_writes_auto_submitted_no_is_a_person():
    assert parse_email(corpus.auto_reply(header="Auto-Submitted: no")).automatic == ""


def test_broken_mail_is_read_as_far_as_it_can_be_and_says_what_could_not():
    parsed = parse_email(corpus.malformed())
    assert parsed.sender == ""
    assert "Some text" in parsed.text
    assert "Its parts could not be told apart; the text is shown as sent." in parsed.problems
    unknown = parse_email(corpus.unknown_charset())
    assert unknown.text == "Café closed, line down — please help"
    assert any("x-made-up" in problem for problem in unknown.problems)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe",
        b"From: \r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--x--",
        b"Subject: =?utf-8?q?=ZZ?=\r\n\r\n",
    ],
)
def test_nothing_makes_the_reader_raise(raw):
    parse_email(raw)


def test_the_quote_remover_reads_short_lines_and_a_bounded_text(monkeypatch):
    # mail-parser-reply takes time growing with the square of a line's length ("On " 8,000 times on
    # one line: 14 s): it is given lines of at most 1,000 characters and the first 20,000 of them.
    from complaints.inbound import parsing

    seen = []
    real_read = parsing._REPLY_PARSER.read
    monkeypatch.setattr(parsing._REPLY_PARSER, "read", lambda text: seen.append(text) or real_read(text=text))
    parse_email(corpus.new_complaint(text="On " * 12_000))
    parse_email(corpus.new_complaint(text="On" + " " * 30_000 + "wrote:"))
    assert seen
    assert all(len(text) <= 20_000 for text in seen)
    assert all(len(line) <= 1_000 for text in seen for line in text.splitlines())


def test_an_absurdly_long_header_is_read_no_further_than_its_start_and_doubted():
    subject = " ".join(["=?utf-8?q?caf=C3=A9?="] * 20_000)
    raw = corpus.new_complaint().replace(
        b"Subject: Broadband down for a week", f"Subject: {subject}".encode(), 1
    )
    parsed = parse_email(raw)
    assert parsed.subject.startswith("café")
    assert any("Subject header is too long" in doubt for doubt in parsed.doubts)


def test_mail_nested_past_what_python_can_follow_is_read_as_text_and_doubted():
    depth = 3_000
    parts = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n' for n in range(depth))
    raw = (
        "From: Deep <deep@example.com>\r\nTo: complaints@localhost\r\nSubject: Deep\r\n"
        f"Message-ID: <deep@example.com>\r\nMIME-Version: 1.0\r\n{parts}"
        "Content-Type: text/plain\r\n\r\nHello from the bottom\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.sender == "deep@example.com"
    assert parsed.doubts


def test_a_header_in_an_undeclared_8_bit_charset_is_doubted():
    raw = corpus.new_complaint(sender="rene@example.fr").replace(
        b"From: Priya Patel", "From: René Dupont".encode("latin-1"), 1
    )
    parsed = parse_email(raw)
    assert any("From header" in doubt for doubt in parsed.doubts)


def test_a_header_in_utf_8_is_read_as_sent():
    raw = corpus.new_complaint(sender="rene@example.fr").replace(
        b"From: Priya Patel", "From: René Dupont".encode(), 1
    )
    parsed = parse_email(raw)
    assert (parsed.sender_name, parsed.doubts) == ("René Dupont", [])


def test_the_quote_remover_reads_a_bounded_number_of_lines(monkeypatch):
    from complaints.inbound import parsing

    seen = []
    real_read = parsing._REPLY_PARSER.read
    monkeypatch.setattr(parsing._REPLY_PARSER, "read", lambda text: seen.append(text) or real_read(text=text))
    parse_email(corpus.new_complaint(text="Hi\n" + "\n" * 19_990 + "thanks"))
    parse_email(corpus.new_complaint(text="Hi\n" + " \n" * 9_990 + "thanks"))
    assert all(len(text.splitlines()) <= 400 for text in seen)


def test_a_long_paragraph_is_kept_as_written():
    paragraph = " ".join(["The line has dropped every evening since the engineer came."] * 45)  # 2,700
    assert len(paragraph) > 2_000
    assert parse_email(corpus.new_complaint(text=paragraph)).reply_text == paragraph


def test_unclosed_tags_in_html_are_text():
    assert html_to_text("<a <a <a <b>bold</b>") == "<a <a <a bold"


def test_nested_comments_in_an_address_header_never_make_the_reader_raise():
    raw = corpus.new_complaint().replace(
        b"From: Priya Patel <new.customer@example.com>", b"From: " + b"(" * 3990 + b")" * 3990 + b" a@b.c", 1
    )
    raw = raw.replace(b"To: complaints@localhost", b"To: " + b"(" * 3990 + b")" * 3990 + b" x@y.z", 1)
    parsed = parse_email(raw)
    assert parsed.sender == ""
    assert parsed.doubts


def test_text_not_in_the_character_set_it_declares_is_doubted():
    raw = corpus.new_complaint(text="").replace(b"\r\n\r\n", "\r\n\r\nCafé fermé\r\n".encode("latin-1"), 1)
    assert b"charset=utf-8" in raw
    parsed = parse_email(raw)
    assert any("character set it declares" in doubt for doubt in parsed.doubts)
