import pytest

from snippets.tables import Table


def test_a_table_is_markdown_with_a_header_and_one_line_per_row():
    table = Table([dict(model="BERT", size=110), dict(model="a|b", size="x\ny")])
    assert table._repr_markdown_() == (
        "| model | size |\n| --- | --- |\n| BERT | 110 |\n| a\\|b | x y |")
    assert repr(table) == table._repr_markdown_()


def test_rows_must_share_their_keys():
    with pytest.raises(ValueError, match="same keys"):
        Table([dict(a=1), dict(b=2)])
    with pytest.raises(ValueError, match="non-empty"):
        Table([])


def test_human_count_writes_counts_as_papers_do():
    from snippets.tables import human_count

    assert [human_count(n) for n in (213e6, 1542e6, 175e9, 1.4e12, 65.2e9, 11e12, 512, 2e3)] == [
        "213M", "1.54B", "175B", "1.4T", "65.2B", "11T", "512", "2k"]
