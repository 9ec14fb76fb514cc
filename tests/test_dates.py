from datetime import date, time

import pytest

from indexer.dates import find_dates, parse_date


@pytest.mark.parametrize(
    "text, day, at",
    [
        ("Thứ năm, 16/07/2020 16:39", date(2020, 7, 16), time(16, 39)),
        ("08/07/2020 | 16:25Sáng 8/7, tại Hà Nội", date(2020, 7, 8), time(16, 25)),
        ("16:56 04-08-2020 | :67", date(2020, 8, 4), time(16, 56)),
        ("Thông báo Số: 458/TB-VP ngày 01 tháng 11 năm 2013 Kết luận", date(2013, 11, 1), None),
        ("08/07/2020 4:25:00 PM", date(2020, 7, 8), time(16, 25)),
        ("Thứ Năm, 16-07-2020, 16:39 (GMT+7)", date(2020, 7, 16), time(16, 39)),
        ("2019-05-20T08:30:00+07:00", date(2019, 5, 20), time(8, 30)),
        ("Cập nhật: 05/03/2015", date(2015, 3, 5), None),
    ],
)
def test_vietnamese_date_forms_day_before_month(text, day, at):
    hit = parse_date(text)
    assert hit is not None and hit.day == day and hit.at == at


def test_impossible_dates_and_document_numbers_are_not_dates():
    assert find_dates("31/02/2020") == []
    assert find_dates("số 458/TB-VP") == []
    assert find_dates("ngày 8/7") == []


def _page_htmldate_reads_as(iso: str) -> str:
    return (f"<html><head><meta property='article:published_time' content='{iso}T08:00:00+00:00'></head>"
            "<body><p>text</p></body></html>")


def test_a_vietnamese_page_keeps_the_date_under_its_headline():
    from indexer.dates import choose_date, parse_date

    html = _page_htmldate_reads_as("2020-03-05")
    found = choose_date(parse_date("Thứ năm, 16/07/2020 16:39"), None, html, vietnamese=True)
    assert (found.day.isoformat(), found.source) == ("2020-07-16", "rules")
    assert found.at is not None and found.at.strftime("%H:%M") == "16:39"


def test_other_pages_ask_htmldate_unless_the_headline_date_cannot_be_month_first():
    from indexer.dates import choose_date, parse_date

    html = _page_htmldate_reads_as("2020-03-05")
    # "05/03/2020" in English may be 3 May: htmldate's machine date decides.
    found = choose_date(parse_date("05/03/2020"), None, html, vietnamese=False, rules_where="headline", lang="en")
    assert (found.day.isoformat(), found.source) == ("2020-03-05", "htmldate")
    # "24/01/2020" can only be day first: the date the reader sees wins.
    found = choose_date(parse_date("24/01/2020"), None, html, vietnamese=False, rules_where="headline", lang="en")
    assert (found.day.isoformat(), found.source) == ("2020-01-24", "rules")
    # A German page writes day first: its headline date line is read that way.
    found = choose_date(parse_date("06.02.2020"), None, html, vietnamese=False, rules_where="headline", lang="de")
    assert (found.day.isoformat(), found.source) == ("2020-02-06", "rules")
    # Not from the headline line (a "date" box elsewhere): htmldate stays.
    found = choose_date(parse_date("06.02.2020"), None, html, vietnamese=False, rules_where="date class", lang="de")
    assert found.source == "htmldate"
