"""Dates typed the Vietnamese way: day before month, whatever the separator; a month or a year is
a period; impossible dates are refused with a message that says why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.datequery import DateQueryError, Period, format_date, parse_date_field, parse_period, presets

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
separators = st.sampled_from(["/", "-", ".", " / ", " ", "- ", " ."])


@pytest.mark.parametrize("typed", ["31/12/2023", "31-12-2023", "31.12.2023", " 31 / 12 / 2023 ", "31 12 2023",
                                   "2023-12-31", "31122023", "20231231", "31/12/23", "ngày 31 tháng 12 năm 2023",
                                   "Ngày 31/12/2023", "2023-12-31T08:30"])
def test_one_day_in_every_form_people_type(typed):
    assert parse_period(typed) == Period(date(2023, 12, 31), date(2023, 12, 31), "day")


def test_the_issue_example_is_31_december_not_11_march():
    assert parse_date_field("31122023", "to") == date(2023, 12, 31)


@pytest.mark.parametrize("typed", ["12/2023", "12-2023", "12.2023", "2023-12", "tháng 12/2023", "thang 12 nam 2023"])
def test_a_month_is_its_first_day_in_from_and_its_last_in_to(typed):
    assert parse_date_field(typed, "from") == date(2023, 12, 1)
    assert parse_date_field(typed, "to") == date(2023, 12, 31)


def test_a_year_and_february_of_a_leap_year():
    assert parse_date_field("2023", "from") == date(2023, 1, 1)
    assert parse_date_field("năm 2023", "to") == date(2023, 12, 31)
    assert parse_date_field("2/2024", "to") == date(2024, 2, 29)
    assert parse_date_field("", "from") is None and parse_date_field(None, "to") is None


@pytest.mark.parametrize("typed, says", [
    ("31/02/2023", "tháng 2 năm 2023 chỉ có 28 ngày"),
    ("31022023", "chỉ có 28 ngày"),
    ("29/02/2023", "chỉ có 28 ngày"),
    ("31/04/2024", "tháng 4 năm 2024 chỉ có 30 ngày"),
    ("12/31/2023", "Không có tháng 31"),  # month first, as an English browser writes it
    ("13/2023", "Không có tháng 13"),
    ("1800", "ngoài khoảng 1900–2100"),
    ("hôm qua", "Không đọc được ngày"),
    ("3122023", "Không đọc được ngày"),
    ("12/2023/5/6", "Không đọc được ngày"),
    ("   ", "Chưa nhập ngày"),
])
def test_impossible_or_unreadable_dates_say_why_in_vietnamese(typed, says):
    with pytest.raises(DateQueryError) as err:
        parse_period(typed)
    assert says in str(err.value)


@given(days, separators)
def test_round_trip_day_first_with_any_separator(day, sep):
    typed = sep.join([f"{day.day:02d}", f"{day.month:02d}", f"{day.year}"])
    assert parse_period(typed) == Period(day, day, "day")
    assert parse_period(format_date(day)).start == day
    assert parse_period(day.isoformat()).start == day
    assert parse_period(format_date(day).replace("/", "")).start == day  # eight digits


@given(days)
def test_round_trip_without_leading_zeros(day):
    assert parse_period(f"{day.day}/{day.month}/{day.year}").start == day


@given(days, st.sampled_from(["from", "to"]))
def test_a_month_or_year_contains_the_day_and_from_is_never_after_to(day, role):
    month = parse_period(f"{day.month}/{day.year}")
    year = parse_period(str(day.year))
    assert month.start <= day <= month.end and year.start <= day <= year.end
    assert month.start.day == 1 and month.end.month == day.month and (month.end + timedelta(days=1)).day == 1
    assert str(month) == f"{day.month:02d}/{day.year}" and parse_period(str(month)) == month
    assert parse_date_field(str(year), role) in (year.start, year.end)


@given(st.text(max_size=30))
def test_any_text_gives_a_date_or_a_clear_error(text):
    try:
        period = parse_period(text)
    except DateQueryError as err:
        assert str(err)
    else:
        assert period.start <= period.end


def test_format_date_shows_day_first():
    assert format_date(date(2023, 1, 5)) == "05/01/2023"
    assert format_date("2020-07-16") == "16/07/2020"
    assert format_date(None) == ""


def test_presets_this_year_last_12_months_and_each_year():
    found = presets(date(2024, 3, 31), [2020, 2023, 2023])
    assert found[0] == ("Năm nay", date(2024, 1, 1), date(2024, 3, 31))
    assert found[1] == ("12 tháng qua", date(2023, 4, 1), date(2024, 3, 31))
    assert [label for label, _, _ in found[2:]] == ["Năm 2023", "Năm 2020"]
    assert found[2][1:] == (date(2023, 1, 1), date(2023, 12, 31))
    assert presets(date(2024, 2, 29))[1][1] == date(2023, 3, 1)  # 28 Feb 2023 was 12 months back
