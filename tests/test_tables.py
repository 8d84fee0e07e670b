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
