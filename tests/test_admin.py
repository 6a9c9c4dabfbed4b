"""The operator tools (`python -m admin`) against the Firestore emulator, run as a person runs them."""

import datetime as dt
import os
import subprocess
import sys
import textwrap
from zoneinfo import ZoneInfo

from conftest import PROJECT, ROOT
from test_intents import ask

BERLIN = ZoneInfo("Europe/Berlin")


def admin(*args, tmp_path=None, text=None, name="file"):
    if text is not None:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip())
        args = tuple(str(path) if a == "@" else a for a in args)
    env = {**os.environ, "GOOGLE_CLOUD_PROJECT": PROJECT}
    done = subprocess.run(
        [sys.executable, "-m", "admin", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout, done.stderr


def snapshot(db, *collections):
    return {
        c: sorted((d.id, repr(sorted(d.to_dict().items()))) for d in db.collection(c).stream()) for c in collections
    }


DIRECTORY = """
teams:
  payments-team:
    name: Payments
    timezone: Europe/Berlin
services:
  checkout:
    name: Checkout
    team: payments-team
    tier: 0
people:
  tom-okafor:
    name: Tom Okafor
    timezone: Europe/London
    team: payments-team
    route: {kind: slack, url: "https://hooks.slack.com/services/T000/B000/SECRETSECRET"}
  nia-brooks:
    name: Nia Brooks
    timezone: Africa/Lagos
    language: pt-BR
    team: payments-team
    route: {kind: chat, url: "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=SECRET"}
"""


def test_directory_sync_shows_a_diff_and_needs_apply(seeded, tmp_path):
    before = snapshot(seeded, "teams", "services", "people")
    code, out, err = admin("directory", "@", tmp_path=tmp_path, text=DIRECTORY, name="directory.yaml")
    assert code == 0, err
    assert "+ people/nia-brooks: name='Nia Brooks'" in out and "chat via chat.googleapis.com" in out
    assert "~ services/checkout: tier=0" in out and "dry run" in out
    assert "SECRET" not in out + err  # webhook URLs are secrets
    assert "services/payments: not in the file (kept" in out
    assert snapshot(seeded, "teams", "services", "people") == before
    code, out, err = admin("directory", "@", "--apply", tmp_path=tmp_path, text=DIRECTORY, name="directory.yaml")
    assert code == 0 and "applied: 3 documents written" in out, out + err
    checkout = seeded.collection("services").document("checkout").get().to_dict()
    assert checkout["tier"] == 0 and checkout["status"] == "degraded"  # live fields stay
    nia = seeded.collection("people").document("nia-brooks").get().to_dict()
    assert nia["route"]["kind"] == "chat" and nia["language"] == "pt-BR"  # her pages are in Portuguese
    code, out, _ = admin("directory", "@", tmp_path=tmp_path, text=DIRECTORY, name="directory.yaml")
    assert "already in sync" in out


def test_bad_directory_file_names_line_and_field_and_changes_nothing(seeded, tmp_path):
    before = snapshot(seeded, "teams", "services", "people")
    bad = """
    teams:
      payments-team:
        name: Payments
        timezone: Europe/Berln
    services:
      checkout:
        team: payments-team
        tier: high
      ghost:
        name: Ghost
        team: nobody-team
    people:
      tom-okafor:
        name: Tom Okafor
        route: {kind: slack, url: "http://hooks.slack.com/x"}
        pager: yes
        language: Deutsch!
    """
    code, out, err = admin("directory", "@", "--apply", tmp_path=tmp_path, text=bad, name="bad.yaml")
    assert code == 2 and "nothing was changed" in err
    assert f"{tmp_path / 'bad.yaml'}:4: teams.payments-team.timezone: unknown time zone 'Europe/Berln'" in err
    assert ":6: services.checkout.name: missing" in err
    assert ":8: services.checkout.tier: expected int, got str" in err
    assert ":11: services.ghost.team: no team 'nobody-team' in this file" in err
    assert ":15: people.tom-okafor.route: route url must be an https URL" in err
    assert ":16: people.tom-okafor.pager: unknown field" in err
    assert ":17: people.tom-okafor.language: not a language code 'Deutsch!'" in err
    assert snapshot(seeded, "teams", "services", "people") == before
    code, _, err = admin("directory", "@", tmp_path=tmp_path, text="teams:\n  a: [unclosed\n", name="broken.yaml")
    assert code == 2 and "broken.yaml:3: not valid YAML" in err


def feed(start: dt.date, primary: str = "Tom Okafor", secondary: str = "Ana Lima") -> str:
    """Daily 24-hour shifts from 09:00 Berlin time, one person every day, another as secondary."""
    return f"""
    BEGIN:VCALENDAR
    VERSION:2.0
    PRODID:-//Watchkeeper tests//EN
    BEGIN:VTIMEZONE
    TZID:Europe/Berlin
    BEGIN:STANDARD
    DTSTART:19701025T030000
    RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:19700329T020000
    RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
    TZOFFSETFROM:+0100
    TZOFFSETTO:+0200
    END:DAYLIGHT
    END:VTIMEZONE
    BEGIN:VEVENT
    UID:primary@test
    SUMMARY:On call: {primary}
    DTSTART;TZID=Europe/Berlin:{start:%Y%m%d}T090000
    DTEND;TZID=Europe/Berlin:{start + dt.timedelta(days=1):%Y%m%d}T090000
    RRULE:FREQ=DAILY;COUNT=200
    END:VEVENT
    BEGIN:VEVENT
    UID:secondary@test
    SUMMARY:Secondary - {secondary}
    DTSTART;TZID=Europe/Berlin:{start:%Y%m%d}T090000
    DURATION:P1D
    RRULE:FREQ=DAILY;COUNT=200
    END:VEVENT
    END:VCALENDAR
    """


def test_ical_import_changes_who_is_on_call(server, seeded, tmp_path):
    text, _, _ = ask(server, "oncall.current", service="payments")
    now_on_call = text.split(" is on call")[0]
    primary, secondary = [p for p in ("Priya Nair", "Jonas Weber", "Ana Lima") if p != now_on_call][:2]
    start = dt.datetime.now(BERLIN).date() - dt.timedelta(days=3)
    calendar = feed(start, primary, secondary)
    code, out, err = admin(
        "rotation", "payments-team", "@", "--days", "14", tmp_path=tmp_path, text=calendar, name="oncall.ics"
    )
    assert code == 0 and "dry run" in out and f"{primary}, secondary {secondary}" in out, out + err
    assert ask(server, "oncall.current", service="payments")[0] == text  # nothing written yet
    code, out, err = admin(
        "rotation", "payments-team", "@", "--days", "14", "--apply", tmp_path=tmp_path, text=calendar, name="oncall.ics"
    )
    assert code == 0 and "applied" in out, err
    imported = [d.to_dict() for d in seeded.collection("shifts").stream() if d.to_dict().get("source") == "ical"]
    assert len(imported) >= 14
    for shift in imported:  # 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer
        assert shift["starts"].astimezone(BERLIN).hour == 9 and shift["ends"] - shift["starts"] == dt.timedelta(days=1)
        assert shift["primary"]["name"] == primary and shift["secondary"]["name"] == secondary
    text, _, _ = ask(server, "oncall.current", service="payments")
    assert text.startswith(f"{primary} is on call for ") and f"{secondary} is secondary" in text


def test_bad_ical_feed_names_line_and_field_and_changes_nothing(seeded, tmp_path):
    before = snapshot(seeded, "shifts")
    start = dt.date(2026, 11, 20)
    broken = feed(start).replace("DURATION:P1D", "DURATION:P1D\n    GARBAGE")
    code, _, err = admin(
        "rotation", "payments-team", "@", "--apply", tmp_path=tmp_path, text=broken, name="garbage.ics"
    )
    assert (
        code == 2 and "garbage.ics:31: Content line could not be parsed into parts: GARBAGE (in secondary@test)" in err
    ), err
    wrong = (
        feed(start)
        .replace("T090000\n    DTEND", "T09x000\n    DTEND")
        .replace("DURATION:P1D", f"DTEND;TZID=Europe/Berlin:{start:%Y%m%d}T080000")
    )
    code, _, err = admin("rotation", "payments-team", "@", "--apply", tmp_path=tmp_path, text=wrong, name="wrong.ics")
    assert code == 2 and "nothing was changed" in err
    assert "wrong.ics:22: DTSTART of primary@test:" in err, err
    assert "wrong.ics:30: DTEND of secondary@test: not after DTSTART" in err, err
    assert snapshot(seeded, "shifts") == before
