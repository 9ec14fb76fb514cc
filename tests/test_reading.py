"""The accented reading of a query, from the pages that answered it (indexer/reading.py)."""

from indexer.query import parse_query
from indexer.reading import query_reading, read_plan, searched_as, written_in
from indexer.snippets import highlight_plan

PAGES = ["Hưởng ứng Ngày Chuyển đổi số quốc gia", "Sở Y tế tổ chức đội hình chuyên gia; một số đơn vị chuyển đổi số."]


def test_each_word_is_read_as_the_results_write_it_beside_its_neighbours():
    plan = parse_query("chuyen doi so")
    assert query_reading(plan, PAGES) == {"chuyen": "chuyển", "doi": "đổi", "so": "số"}
    # one word alone may mean any of its look-alikes: no reading
    assert query_reading(parse_query("so"), PAGES) == {}
    # words never seen beside each other: no reading either
    assert query_reading(parse_query("so chuyen"), ["chuyên gia của sở"]) == {}


def test_searched_as_names_a_correction_of_the_diacritics_typed_only():
    reading = {"chuyen": "chuyển", "doi": "đổi", "so": "số"}
    assert searched_as(parse_query("chuyen doi sô"), reading) == "chuyển đổi số"
    assert searched_as(parse_query("Chuyen đôi so!"), reading) == "chuyển đổi số!"
    # nothing typed with diacritics was changed: the search was the one typed
    assert searched_as(parse_query("chuyen doi so"), reading) is None
    # quoted words are searched as typed, never respelled
    assert searched_as(parse_query('"chuyen doi" sô'), reading) == '"chuyen doi" số'


def test_the_reading_decides_which_look_alike_is_marked():
    reading = {"chuyen": "chuyển", "doi": "đổi", "so": "số"}
    plan = parse_query("chuyen doi so")
    title, body = "Sở Y tế chuyển đổi sang bệnh án điện tử", "Một số bệnh viện đã chuyển đổi số."
    spelled = written_in(reading, f"{title}\n{body}")
    assert spelled == reading
    # the title never writes "số", but the page does: its "Sở" is not the query's word
    marked = highlight_plan(title, read_plan(plan, spelled), written=spelled.values())
    assert marked == "Sở Y tế <mark>chuyển đổi</mark> sang bệnh án điện tử"
    # a page that never writes "số" was found through its look-alike, which is marked
    other = written_in(reading, "Sở Y tế họp")
    assert "<mark>Sở</mark>" in highlight_plan("Sở Y tế họp", read_plan(plan, other), written=other.values())
