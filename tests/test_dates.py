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
