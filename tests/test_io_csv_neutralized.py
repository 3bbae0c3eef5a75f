"""write_csv_rows(neutralized=True): cells neutralized once by the caller give the same file."""

from __future__ import annotations

from matching.io import neutralize_cell, write_csv_rows


def test_prepared_cells_write_the_same_file_as_neutralizing_every_row(tmp_path):
    ids = ["s1", "=HYPERLINK(\"x\")", "-1+2", "a,b", 'say "hi"', "山田製作所", "", "+81"]
    rows = [[ids[i % len(ids)], ids[(3 * i + 1) % len(ids)], f"{(i - 50) / 7:.6f}"] for i in range(70_000)]
    plain, prepared = tmp_path / "plain.csv", tmp_path / "prepared.csv"
    assert write_csv_rows(plain, ["left_id", "right_id", "score"], rows) == len(rows)
    cells = {pid: neutralize_cell(pid) for pid in ids}
    count = write_csv_rows(prepared, ["left_id", "right_id", "score"],
                           ((cells[a], cells[b], s) for a, b, s in rows), neutralized=True)
    assert count == len(rows)  # more than one chunk of the writer's loop
    assert prepared.read_bytes() == plain.read_bytes()
    assert "'=HYPERLINK" in plain.read_text(encoding="utf-8")
