import pytest

from broll.review.ranges import ByteRange, RangeNotSatisfiable, parse_range


@pytest.mark.parametrize("header,expected", [
    (None, None),
    ("bytes=0-99", ByteRange(0, 99)),
    ("bytes=100-", ByteRange(100, 999)),
    ("bytes=-100", ByteRange(900, 999)),
    ("bytes=-5000", ByteRange(0, 999)),
    ("bytes=990-5000", ByteRange(990, 999)),
    ("bytes=0-0", ByteRange(0, 0)),
    ("items=0-10", None),          # unknown unit: send the whole file
    ("bytes=0-10,20-30", None),    # several ranges: a server may answer with the whole file
    ("bytes=abc", None),
    ("bytes=20-10", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


def test_content_range():
    assert ByteRange(10, 19).content_range(1000) == "bytes 10-19/1000"
    assert ByteRange(10, 19).length == 10
